// The built-in label encoders (categorical, binary, sparse) and the example `ordinal`, loaded
// through the real registry: exact label bytes, exact messages, decode results.
#include <catch2/catch.hpp>

#include <classflow/error.hpp>
#include <classflow/label_encoder.hpp>
#include <classflow/registry.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

using classflow::DataError;
using classflow::PluginError;
using classflow::Registry;
using classflow::RegistryOptions;
using classflow::UsageError;
using classflow::sdk::Decoded;
using classflow::sdk::DecodeOptions;
using classflow::sdk::DType;
using Catch::Matchers::Contains;
using Options = std::vector<std::pair<std::string, std::string>>;
using Names = std::vector<std::string>;

namespace {

/// The built-in plugins only: the build tree's plugin folder, never CLASSFLOW_PLUGIN_PATH.
const Registry& builtin() {
  static const Registry registry(RegistryOptions{{}, false, true});
  return registry;
}

/// Labels of single-label samples, as the bytes the encoder wrote.
std::vector<unsigned char> encode(const std::string& mode, const Names& classes,
                                  const std::vector<int32_t>& ids, const Options& options = {}) {
  return builtin().make_encoder(mode, classes, options)->encode(ids);
}

/// The bytes of `values`, to compare label buffers exactly.
template <class T>
std::vector<unsigned char> bytes_of(const std::vector<T>& values) {
  std::vector<unsigned char> out(values.size() * sizeof(T));
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

DecodeOptions top(int32_t k) {
  DecodeOptions o;
  o.top_k = k;
  return o;
}

/// Decoded results as (class name, score) pairs.
std::vector<std::pair<std::string, float>> named(const std::vector<Decoded>& decoded,
                                                 const Names& classes) {
  std::vector<std::pair<std::string, float>> out;
  for (const auto& d : decoded) out.emplace_back(classes.at(static_cast<std::size_t>(d.class_id)), d.score);
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// categorical

TEST_CASE("categorical: one-hot float32 [K] rows", "[encoder]") {
  auto enc = builtin().make_encoder("categorical", {"cat", "dog", "emu"});
  CHECK(enc->name() == "categorical");
  CHECK(enc->label_desc().dtype == DType::float32);
  CHECK(enc->label_desc().shape == std::vector<int64_t>{3});
  CHECK(enc->encode({1, 0, 2, 1}) == bytes_of<float>({0, 1, 0,  //
                                                     1, 0, 0,  //
                                                     0, 0, 1,  //
                                                     0, 1, 0}));
  // One class is allowed: every row is [1].
  CHECK(encode("categorical", {"only"}, {0, 0}) == bytes_of<float>({1, 1}));
  // label_smoothing=0 is plain one-hot, bit for bit.
  CHECK(encode("categorical", {"a", "b"}, {1}, {{"label_smoothing", "0"}}) == bytes_of<float>({0, 1}));
}

TEST_CASE("categorical: label_smoothing gives Keras' float32 values", "[encoder]") {
  // Expected values are TF's float32 result of y*(1-e) + e/K (CategoricalCrossentropy).
  auto [eps, k, on, off] = GENERATE(table<std::string, int, float, float>({
      {"0.1", 3, 0x1.ddddde0p-1f, 0x1.111112p-5f},    // 0.93333334, 0.033333335
      {"0.2", 4, 0x1.b33334p-1f, 0x1.99999ap-5f},     // 0.85000002, 0.050000001
      {"0.5", 2, 0.75f, 0.25f},
      {"0.05", 10, 0x1.e8f5c2p-1f, 0x1.47ae14p-8f},   // 0.95499998, 0.0049999999
      // Rounded differently when computed in double and narrowed (0x1.d1eb86p-1, 0x1.1cf06ap-8):
      {"0.1", 10, 0x1.d1eb84p-1f, 0x1.47ae14p-7f},    // CIFAR-10 with the usual e
      {"0.1", 23, 0x1.cf06acp-1f, 0x1.1cf06cp-8f},
  }));
  CAPTURE(eps, k);
  Names classes;
  for (int i = 0; i < k; ++i) classes.push_back("c" + std::to_string(i));
  std::vector<float> expected(static_cast<std::size_t>(2 * k), off);
  expected[1] = on;                                  // sample 0: class 1
  expected[static_cast<std::size_t>(2 * k - 1)] = on;  // sample 1: class K-1
  CHECK(encode("categorical", classes, {1, k - 1}, {{"label_smoothing", eps}}) == bytes_of(expected));
  CHECK(on + static_cast<float>(k - 1) * off == Approx(1.0f));
}

TEST_CASE("categorical: bad label_smoothing and too few classes are refused", "[encoder]") {
  auto [value, message] = GENERATE(table<std::string, std::string>({
      {"1", "option 'label_smoothing' value '1' is out of range; expected 0 <= label_smoothing < 1"},
      {"-0.1", "option 'label_smoothing' value '-0.1' is out of range; expected 0 <= label_smoothing < 1"},
      {"nan", "option 'label_smoothing' value 'nan' is out of range; expected 0 <= label_smoothing < 1"},
      {"abc", "option 'label_smoothing' value 'abc' is not a number; expected e.g. label_smoothing=0.1"},
  }));
  CHECK_THROWS_MATCHES(builtin().make_encoder("categorical", {"a", "b"}, {{"label_smoothing", value}}),
                       UsageError, Catch::Message(message));
  CHECK_THROWS_MATCHES(builtin().make_encoder("categorical", {}), DataError,
                       Catch::Message("class_mode 'categorical' needs at least 1 class; found 0"));
}

// ---------------------------------------------------------------------------------------------
// binary

TEST_CASE("binary: float32 [] labels, 1.0 for class index 1 (BR-18)", "[encoder]") {
  auto enc = builtin().make_encoder("binary", {"NORUST", "RUST"});
  CHECK(enc->label_desc().dtype == DType::float32);
  CHECK(enc->label_desc().shape.empty());
  CHECK(enc->encode({1, 0, 0, 1}) == bytes_of<float>({1.0f, 0.0f, 0.0f, 1.0f}));
}

TEST_CASE("binary: anything but 2 classes is refused, naming the classes found (BR-17)", "[encoder]") {
  auto [classes, message] = GENERATE(table<Names, std::string>({
      {{"a", "b", "c"},
       "class_mode 'binary' needs exactly 2 classes; found 3: a, b, c; expected 2: choose two with classes=[...] "
       "(--classes A,B), or class_mode 'categorical'"},
      {{"only"},
       "class_mode 'binary' needs exactly 2 classes; found 1: only; expected 2: choose two with classes=[...] "
       "(--classes A,B), or class_mode 'categorical'"},
      {Names{},
       "class_mode 'binary' needs exactly 2 classes; found 0; expected 2: choose two with classes=[...] (--classes "
       "A,B), or class_mode 'categorical'"},
  }));
  CHECK_THROWS_MATCHES(builtin().make_encoder("binary", classes), DataError, Catch::Message(message));
}

TEST_CASE("binary: a long class list is cut after 20 names", "[encoder]") {
  Names classes;
  for (int i = 0; i < 25; ++i) classes.push_back("c" + std::to_string(100 + i));
  CHECK_THROWS_MATCHES(
      builtin().make_encoder("binary", classes), DataError,
      Catch::Message("class_mode 'binary' needs exactly 2 classes; found 25: c100, c101, "
                     "c102, c103, c104, c105, c106, c107, c108, c109, c110, c111, c112, "
                     "c113, c114, c115, c116, c117, c118, c119, ... (5 more); expected 2: choose two with "
                     "classes=[...] (--classes A,B), or class_mode 'categorical'"));
}

TEST_CASE("binary: decode thresholds the probability of class index 1 (BR-18)", "[encoder]") {
  const Names classes{"NORUST", "RUST"};
  auto enc = builtin().make_encoder("binary", classes);
  auto [prediction, name, score] = GENERATE(table<float, std::string, float>({
      {0.8f, "RUST", 0.8f},
      {0.3f, "NORUST", 1.0f - 0.3f},
      {0.5f, "RUST", 0.5f},  // score >= threshold selects index 1
      {0.0f, "NORUST", 1.0f},
      {1.0f, "RUST", 1.0f},
  }));
  CAPTURE(prediction);
  auto decoded = named(enc->decode(&prediction, 1, top(1)), classes);
  REQUIRE(decoded.size() == 1);
  CHECK(decoded[0].first == name);
  CHECK(decoded[0].second == score);
}

TEST_CASE("binary: threshold option, per-call threshold, top_k 2", "[encoder]") {
  const Names classes{"NORUST", "RUST"};
  auto strict = builtin().make_encoder("binary", classes, {{"threshold", "0.7"}});
  const float at = 0.7f, below = 0.69f, low = 0.3f;
  CHECK(strict->decode(&at, 1, top(1))[0].class_id == 1);  // 0.7 meets 0.7, compared as float
  CHECK(strict->decode(&below, 1, top(1))[0].class_id == 0);
  DecodeOptions loose = top(1);
  loose.threshold = 0.2;  // a threshold given at decode time wins over the option
  CHECK(strict->decode(&low, 1, loose)[0].class_id == 1);

  auto enc = builtin().make_encoder("binary", classes);
  const float high = 0.8f;
  CHECK(named(enc->decode(&high, 1, top(2)), classes) ==
        std::vector<std::pair<std::string, float>>{{"RUST", 0.8f}, {"NORUST", 1.0f - 0.8f}});
  CHECK(named(enc->decode(&low, 1, top(2)), classes) ==
        std::vector<std::pair<std::string, float>>{{"NORUST", 1.0f - 0.3f}, {"RUST", 0.3f}});
}

TEST_CASE("binary: bad thresholds and predictions are refused with the value", "[encoder]") {
  const Names classes{"NORUST", "RUST"};
  CHECK_THROWS_MATCHES(builtin().make_encoder("binary", classes, {{"threshold", "2"}}), UsageError,
                       Catch::Message("option 'threshold' value '2' is out of range; expected 0 <= threshold <= 1"));
  auto enc = builtin().make_encoder("binary", classes);
  const float logit = 2.5f;
  CHECK_THROWS_WITH(enc->decode(&logit, 1, top(1)),
                    Contains("binary prediction '2.5' is out of range; expected the probability of class "
                             "index 1 in [0, 1] (apply a sigmoid to logits)"));
  const float nan = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_AS(enc->decode(&nan, 1, top(1)), DataError);
  DecodeOptions bad = top(1);
  bad.threshold = 1.5;
  const float p = 0.5f;
  CHECK_THROWS_WITH(enc->decode(&p, 1, bad),
                    Contains("option 'threshold' value '1.5' is out of range; expected 0 <= threshold <= 1"));
}

// ---------------------------------------------------------------------------------------------
// sparse

TEST_CASE("sparse: int32 [] by default, int64 with dtype=int64", "[encoder]") {
  const Names classes{"a", "b", "c"};
  const std::vector<int32_t> ids{2, 0, 1, 2};
  auto enc32 = builtin().make_encoder("sparse", classes);
  CHECK(enc32->label_desc().dtype == DType::int32);
  CHECK(enc32->label_desc().shape.empty());
  CHECK(enc32->encode(ids) == bytes_of<int32_t>({2, 0, 1, 2}));
  CHECK(encode("sparse", classes, ids, {{"dtype", "int32"}}) == bytes_of<int32_t>({2, 0, 1, 2}));

  auto enc64 = builtin().make_encoder("sparse", classes, {{"dtype", "int64"}});
  CHECK(enc64->label_desc().dtype == DType::int64);
  CHECK(enc64->label_desc().shape.empty());
  CHECK(enc64->encode(ids) == bytes_of<int64_t>({2, 0, 1, 2}));

  CHECK_THROWS_MATCHES(builtin().make_encoder("sparse", classes, {{"dtype", "float32"}}), UsageError,
                       Catch::Message("option 'dtype' value 'float32' is unknown; expected one of: int32, int64"));
  CHECK_THROWS_MATCHES(builtin().make_encoder("sparse", {}), DataError,
                       Catch::Message("class_mode 'sparse' needs at least 1 class; found 0"));
}

// ---------------------------------------------------------------------------------------------
// shared contract

TEST_CASE("every encoder refuses unknown options, listing the valid ones", "[encoder]") {
  auto [mode, classes, key, message] = GENERATE(table<std::string, Names, std::string, std::string>({
      {"categorical", {"a", "b"}, "smoothing",
       "unknown option 'smoothing' for class_mode 'categorical'; expected one of: label_smoothing"},
      {"binary", {"a", "b"}, "label_smoothing",
       "unknown option 'label_smoothing' for class_mode 'binary'; expected one of: threshold"},
      {"sparse", {"a", "b"}, "label_smoothing",
       "unknown option 'label_smoothing' for class_mode 'sparse'; expected one of: dtype"},
  }));
  CHECK_THROWS_MATCHES(builtin().make_encoder(mode, classes, {{key, "0.1"}}), UsageError, Catch::Message(message));
}

TEST_CASE("an unknown class_mode lists the available ones", "[encoder]") {
  const auto names = builtin().encoder_names();
  for (const char* builtin_mode : {"binary", "categorical", "sparse"}) {
    CAPTURE(builtin_mode);
    CHECK(std::find(names.begin(), names.end(), builtin_mode) != names.end());
  }
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  CHECK_THROWS_MATCHES(builtin().make_encoder("onehot", {"a", "b"}), UsageError,
                       Catch::Message("unknown class_mode 'onehot'; expected one of: " + list));
}

TEST_CASE("every encoder refuses multi-label, unlabelled and out-of-range samples", "[encoder]") {
  const std::string mode = GENERATE("categorical", "binary", "sparse");
  CAPTURE(mode);
  auto enc = builtin().make_encoder(mode, {"a", "b"});
  std::vector<unsigned char> out(3 * enc->label_desc().num_bytes());

  const std::vector<int32_t> ids{0, 1, 1};
  const std::vector<int64_t> two_then_one{0, 2, 3};  // sample 0 has classes {0, 1}
  CHECK_THROWS_WITH(enc->encode(ids.data(), two_then_one.data(), 2, out.data(), out.size()),
                    Contains("encoder '" + mode + "'") &&
                        Contains("class_mode '" + mode +
                                 "' sample 0 has 2 classes; expected exactly 1 (use multi_hot for several)"));
  const std::vector<int64_t> none_in_second{0, 1, 1, 2};  // sample 1 has no class
  CHECK_THROWS_WITH(enc->encode(ids.data(), none_in_second.data(), 3, out.data(), out.size()),
                    Contains("class_mode '" + mode + "' sample 1 has 0 classes; expected exactly 1"));
  CHECK_THROWS_AS(enc->encode({0, 2}), DataError);
  CHECK_THROWS_WITH(enc->encode({0, 2}), Contains("class id '2' is out of range; expected 0..1"));
}

TEST_CASE("decode: argmax and top-k pairs sorted by score (BR-11)", "[encoder]") {
  const Names classes{"cat", "dog", "emu"};
  const std::string mode = GENERATE("categorical", "sparse");
  CAPTURE(mode);
  auto enc = builtin().make_encoder(mode, classes);
  const std::vector<std::vector<float>> outputs{{0.1f, 0.7f, 0.2f}, {0.8f, 0.1f, 0.1f}};
  Names argmax;
  for (const auto& row : outputs) argmax.push_back(named(enc->decode(row.data(), 3, top(1)), classes).at(0).first);
  CHECK(argmax == Names{"dog", "cat"});

  using Pairs = std::vector<std::pair<std::string, float>>;
  CHECK(named(enc->decode(outputs[0].data(), 3, top(2)), classes) == Pairs{{"dog", 0.7f}, {"emu", 0.2f}});
  CHECK(named(enc->decode(outputs[0].data(), 3, top(3)), classes) ==
        Pairs{{"dog", 0.7f}, {"emu", 0.2f}, {"cat", 0.1f}});
  // More than K asked: all K. Equal scores: the lower index first.
  CHECK(enc->decode(outputs[1].data(), 3, top(5)).size() == 3);
  CHECK(named(enc->decode(outputs[1].data(), 3, top(3)), classes) ==
        Pairs{{"cat", 0.8f}, {"dog", 0.1f}, {"emu", 0.1f}});
}

TEST_CASE("decode: a row of the wrong width names the expected width", "[encoder]") {
  auto [mode, classes, width, message] = GENERATE(table<std::string, Names, int64_t, std::string>({
      {"categorical", {"cat", "dog", "emu"}, 2, "prediction row of class_mode 'categorical' has 2 values; expected 3"},
      {"sparse", {"cat", "dog", "emu"}, 4, "prediction row of class_mode 'sparse' has 4 values; expected 3"},
      {"binary", {"NORUST", "RUST"}, 2, "prediction row of class_mode 'binary' has 2 values; expected 1"},
  }));
  auto enc = builtin().make_encoder(mode, classes);
  const std::vector<float> row(static_cast<std::size_t>(width), 0.25f);
  CHECK_THROWS_AS(enc->decode(row.data(), width, top(1)), DataError);
  CHECK_THROWS_WITH(enc->decode(row.data(), width, top(1)), Contains("encoder '" + mode + "'") && Contains(message));
}

TEST_CASE("decode: NaN scores are refused, not sorted", "[encoder]") {
  const std::string mode = GENERATE("categorical", "sparse");
  auto enc = builtin().make_encoder(mode, {"a", "b", "c"});
  const std::vector<float> row{0.2f, std::numeric_limits<float>::quiet_NaN(), 0.5f};
  CHECK_THROWS_WITH(enc->decode(row.data(), 3, top(1)),
                    Contains("prediction value 'nan' in column 1 is not a number; expected finite scores"));
}

// ---------------------------------------------------------------------------------------------
// the example plugin (examples/custom_encoder), built in-tree as a fixture

TEST_CASE("example ordinal: CORAL targets [1]*c + [0]*(K-1-c) and threshold decode", "[encoder][example]") {
  const Registry reg(RegistryOptions{{CLASSFLOW_BROKEN_PLUGIN_DIR "/example_ordinal"}, false, false});
  const Names classes{"none", "mild", "moderate", "severe"};
  auto enc = reg.make_encoder("ordinal", classes);
  CHECK(enc->label_desc().dtype == DType::float32);
  CHECK(enc->label_desc().shape == std::vector<int64_t>{3});
  CHECK(enc->encode({0, 1, 2, 3}) == bytes_of<float>({0, 0, 0,  //
                                                     1, 0, 0,  //
                                                     1, 1, 0,  //
                                                     1, 1, 1}));
  auto [row, class_id, score] = GENERATE(table<std::vector<float>, int32_t, float>({
      {{0.9f, 0.6f, 0.2f}, 2, (0.9f + 0.6f) / 2.0f},
      {{0.1f, 0.2f, 0.3f}, 0, 1.0f - 0.3f},
      {{0.5f, 0.5f, 0.5f}, 3, 0.5f},
  }));
  auto decoded = enc->decode(row.data(), 3, top(1));
  REQUIRE(decoded.size() == 1);
  CHECK(decoded[0].class_id == class_id);
  CHECK(decoded[0].score == Approx(score));
  CHECK_THROWS_MATCHES(reg.make_encoder("ordinal", {"only"}), DataError,
                       Catch::Message("class_mode 'ordinal' needs at least 2 classes; found 1"));
  CHECK_THROWS_WITH(enc->decode(row.data(), 4, top(1)),
                    Contains("prediction row of class_mode 'ordinal' has 4 values; expected 3"));
}
