// The 'multi_hot' and 'raw' label encoders, loaded through the real registry: exact label
// floats, exact messages, decode results.
#include <catch2/catch.hpp>

#include <classflow/error.hpp>
#include <classflow/label_encoder.hpp>
#include <classflow/registry.hpp>

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

using Catch::Matchers::Contains;
using classflow::DataError;
using classflow::UsageError;
using classflow::Registry;
using classflow::RegistryOptions;
using classflow::sdk::Decoded;
using classflow::sdk::DecodeOptions;
using classflow::sdk::DType;
using Options = std::vector<std::pair<std::string, std::string>>;
using Names = std::vector<std::string>;
using Scores = std::vector<std::pair<std::string, float>>;

namespace {

/// The built-in plugins only: the build tree's plugin folder, never CLASSFLOW_PLUGIN_PATH.
const Registry& builtin() {
  static const Registry registry(RegistryOptions{{}, false, true});
  return registry;
}

/// Multi-label samples: each inner list holds the class ids of one sample.
std::vector<float> encode(const classflow::LabelEncoder& enc, const std::vector<std::vector<int32_t>>& samples,
                          const std::vector<float>& values = {}, int64_t values_per_sample = 0) {
  std::vector<int32_t> ids;
  std::vector<int64_t> offsets{0};
  for (const auto& s : samples) {
    ids.insert(ids.end(), s.begin(), s.end());
    offsets.push_back(static_cast<int64_t>(ids.size()));
  }
  std::vector<float> out(samples.size() * enc.label_desc().num_bytes() / sizeof(float));
  enc.encode(ids.data(), offsets.data(), static_cast<int64_t>(samples.size()), out.data(), out.size() * sizeof(float),
             values.empty() ? nullptr : values.data(), values_per_sample);
  return out;
}

DecodeOptions top(int32_t k) {
  DecodeOptions o;
  o.top_k = k;
  return o;
}

Scores named(const std::vector<Decoded>& decoded, const Names& classes) {
  Scores out;
  for (const auto& d : decoded) out.emplace_back(classes.at(static_cast<std::size_t>(d.class_id)), d.score);
  return out;
}

const Names kNDG{"N", "D", "G"};

}  // namespace

// ---------------------------------------------------------------------------------------------
// multi_hot

TEST_CASE("multi_hot: float32 [K] rows with 1.0 at each class of a sample (BR-19)", "[encoder]") {
  auto enc = builtin().make_encoder("multi_hot", kNDG);
  CHECK(enc->name() == "multi_hot");
  CHECK(enc->label_desc().dtype == DType::float32);
  CHECK(enc->label_desc().shape == std::vector<int64_t>{3});
  CHECK(encode(*enc, {{0, 2}, {1}, {}, {2, 2, 0}}) == std::vector<float>{1, 0, 1,  //
                                                                         0, 1, 0,  //
                                                                         0, 0, 0,  //
                                                                         1, 0, 1});
  // The single-label convenience path gives one-hot rows.
  const auto bytes = enc->encode({2, 0});
  std::vector<float> single(bytes.size() / sizeof(float));
  std::memcpy(single.data(), bytes.data(), bytes.size());
  CHECK(single == std::vector<float>{0, 0, 1, 1, 0, 0});
  // Values reported by a csv y_cols scan are ignored: classes decide.
  CHECK(encode(*enc, {{1}}, {0.5f, 0.5f, 0.5f}, 3) == std::vector<float>{0, 1, 0});
}

TEST_CASE("multi_hot: bad classes, ids and options are refused with the value", "[encoder]") {
  CHECK_THROWS_MATCHES(builtin().make_encoder("multi_hot", {}), DataError,
                       Catch::Message("class_mode 'multi_hot' needs at least 1 class; found 0"));
  CHECK_THROWS_MATCHES(builtin().make_encoder("multi_hot", kNDG, {{"threshold", "1.5"}}), UsageError,
                       Catch::Message("option 'threshold' value '1.5' is out of range; expected 0 <= threshold <= 1"));
  CHECK_THROWS_MATCHES(builtin().make_encoder("multi_hot", kNDG, {{"top", "2"}}), UsageError,
                       Catch::Message("unknown option 'top' for class_mode 'multi_hot'; expected one of: threshold"));
  auto enc = builtin().make_encoder("multi_hot", kNDG);
  CHECK_THROWS_AS(encode(*enc, {{0}, {1, 3}}), DataError);
  CHECK_THROWS_WITH(encode(*enc, {{0}, {1, 3}}), Contains("class id '3' of sample 1 is out of range; expected 0..2"));
  CHECK_THROWS_AS(encode(*enc, {{-1}}), DataError);
  CHECK_THROWS_WITH(encode(*enc, {{-1}}), Contains("class id '-1' of sample 0 is out of range; expected 0..2"));
}

TEST_CASE("multi_hot: decode returns every class at or over the threshold, best first", "[encoder]") {
  auto enc = builtin().make_encoder("multi_hot", kNDG);
  auto [row, expected] = GENERATE(table<std::vector<float>, Scores>({
      {{0.9f, 0.1f, 0.7f}, {{"N", 0.9f}, {"G", 0.7f}}},
      {{0.2f, 0.5f, 0.4f}, {{"D", 0.5f}}},                            // score >= threshold selects
      {{0.6f, 0.6f, 0.8f}, {{"G", 0.8f}, {"N", 0.6f}, {"D", 0.6f}}},  // ties to the lower index
      {{0.1f, 0.2f, 0.3f}, {}},                                       // no class, like an all-zero label row
      {{1.0f, 1.0f, 1.0f}, {{"N", 1.0f}, {"D", 1.0f}, {"G", 1.0f}}},
  }));
  CAPTURE(row);
  // top_k does not cut the list: the threshold decides how many.
  CHECK(named(enc->decode(row.data(), 3, top(1)), kNDG) == expected);
  CHECK(named(enc->decode(row.data(), 3, top(3)), kNDG) == expected);
}

TEST_CASE("multi_hot: threshold option, per-call threshold, bad rows", "[encoder]") {
  const std::vector<float> row{0.75f, 0.3f, 0.69f};
  auto strict = builtin().make_encoder("multi_hot", kNDG, {{"threshold", "0.7"}});
  CHECK(named(strict->decode(row.data(), 3, top(1)), kNDG) == Scores{{"N", 0.75f}});
  const float at[3] = {0.7f, 0.0f, 0.0f};  // 0.7 meets 0.7, compared as float
  CHECK(named(strict->decode(at, 3, top(1)), kNDG) == Scores{{"N", 0.7f}});
  DecodeOptions loose = top(1);
  loose.threshold = 0.25;  // a threshold given at decode time wins over the option
  CHECK(named(strict->decode(row.data(), 3, loose), kNDG) == Scores{{"N", 0.75f}, {"G", 0.69f}, {"D", 0.3f}});

  auto enc = builtin().make_encoder("multi_hot", kNDG);
  CHECK_THROWS_WITH(enc->decode(row.data(), 2, top(1)),
                    Contains("prediction row of class_mode 'multi_hot' has 2 values; expected 3"));
  const float logit[3] = {0.5f, 2.5f, 0.1f};
  CHECK_THROWS_WITH(enc->decode(logit, 3, top(1)),
                    Contains("multi_hot prediction '2.5' in column 1 is out of range; expected probabilities in "
                             "[0, 1] (apply a sigmoid to logits)"));
  const float nan[3] = {0.5f, 0.5f, std::numeric_limits<float>::quiet_NaN()};
  CHECK_THROWS_WITH(enc->decode(nan, 3, top(1)), Contains("multi_hot prediction 'nan' in column 2 is out of range"));
  DecodeOptions bad = top(1);
  bad.threshold = -0.5;
  CHECK_THROWS_WITH(enc->decode(row.data(), 3, bad),
                    Contains("option 'threshold' value '-0.5' is out of range; expected 0 <= threshold <= 1"));
}

// ---------------------------------------------------------------------------------------------
// raw

TEST_CASE("raw: float32 [M] rows, the source's values unchanged, no class mapping", "[encoder]") {
  auto enc = builtin().make_encoder("raw", {}, {{"width", "2"}});
  CHECK(enc->name() == "raw");
  CHECK(enc->label_desc().dtype == DType::float32);
  CHECK(enc->label_desc().shape == std::vector<int64_t>{2});
  const std::vector<float> values{0.25f, -3.0f, 1e-3f, 42.0f, 7.5f, 0.0f};
  CHECK(encode(*enc, {{}, {}, {}}, values, 2) == values);
  // Classes, if any, are ignored (a y_cols scan has both).
  auto with_classes = builtin().make_encoder("raw", kNDG, {{"width", "3"}});
  CHECK(encode(*with_classes, {{0, 2}}, {1, 0, 1}, 3) == std::vector<float>{1, 0, 1});
  CHECK(encode(*enc, std::vector<std::vector<int32_t>>{}).empty());  // an empty batch needs no values
}

TEST_CASE("raw: width is required and checked against the values given", "[encoder]") {
  auto [options, message] = GENERATE(table<Options, std::string>({
      {Options{},
       "class_mode 'raw' needs option 'width' (numeric values per sample); expected e.g. width=3 for three value "
       "columns"},
      {{{"width", "0"}}, "option 'width' value '0' is out of range; expected 1 <= width <= 16777216"},
      {{{"width", "two"}}, "option 'width' value 'two' is not an integer; expected e.g. width=1"},
      {{{"width", "2"}, {"threshold", "0.5"}},
       "unknown option 'threshold' for class_mode 'raw'; expected one of: width"},
  }));
  CHECK_THROWS_MATCHES(builtin().make_encoder("raw", {}, options), UsageError, Catch::Message(message));

  auto enc = builtin().make_encoder("raw", {}, {{"width", "3"}});
  CHECK_THROWS_AS(encode(*enc, {{}}, {1, 2}, 2), DataError);
  CHECK_THROWS_WITH(encode(*enc, {{}}, {1, 2}, 2),
                    Contains("class_mode 'raw' got '2' values per sample; expected 3 (option width)"));
  CHECK_THROWS_AS(encode(*enc, {{}}), DataError);
  CHECK_THROWS_WITH(encode(*enc, {{}}), Contains("class_mode 'raw' got samples without numeric values; expected 3 "
                                                 "values per sample from the source (csv with raw=1 and y_cols, or "
                                                 "0/1 y_cols)"));
}

TEST_CASE("raw: decode is refused: raw predictions are values, not classes", "[encoder]") {
  auto enc = builtin().make_encoder("raw", {}, {{"width", "1"}});
  const float p = 0.5f;
  CHECK_THROWS_AS(enc->decode(&p, 1, top(1)), UsageError);
  CHECK_THROWS_WITH(enc->decode(&p, 1, top(1)),
                    Contains("class_mode 'raw' has no classes to decode; expected a class_mode "
                             "with a class index (categorical, binary, sparse, multi_hot): raw "
                             "predictions are the values themselves"));
}
