#include "loader/sampling.hpp"

#include "io/json_text.hpp"
#include "io/whole_file.hpp"
#include "random/philox_stream.hpp"

#include <classflow/error.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>

namespace classflow::detail {

namespace {

// The counter word that tells sampling draws apart from the transforms' streams (whose last
// counter word is a transform's position, a small number).
constexpr uint64_t kSamplingStream = 0xffffffffffff5a3dULL;

DataError bad_weights(const std::string& file, const std::string& why) {
  return DataError(
      fmt::format("sampling weights file '{}' {}; expected JSON {{\"class name\": weight}} for every "
                  "class, or a list of one weight per sample in filenames order",
                  file, why));
}

/// What a weights file says before it meets a dataset: a list (one weight per sample) or an
/// object (class name -> weight), every weight a finite number >= 0.
struct WeightsFile {
  bool per_sample = false;
  std::vector<double> weights;     // per sample, or per entry of `names`
  std::vector<std::string> names;  // the object's keys, in file order
};

/// Reads and checks `file` on its own (no dataset needed, so it runs before a scan).
/// @throws DataError as sampling_cumulative for a file that cannot be read or is malformed.
WeightsFile read_weights_file(const std::string& file) {
  // One weight per sample: 2 GiB is some 100 million samples.
  constexpr std::uint64_t kMaxBytes = std::uint64_t{2} << 30;
  const WholeFile f = read_whole_file(file, kMaxBytes);
  if (f.status != WholeFileStatus::ok) throw bad_weights(file, why_not_read(f, kMaxBytes));
  nlohmann::json j;
  try {
    j = parse_json_text<nlohmann::json>(f.bytes, 2);  // a list or an object of numbers
  } catch (const JsonTextError& e) {
    throw bad_weights(file, e.what());
  }
  const auto number = [&](const nlohmann::json& v, const std::string& what) {
    if (!v.is_number()) throw bad_weights(file, fmt::format("gives {} a weight that is not a number", what));
    const double w = v.get<double>();
    if (!std::isfinite(w) || w < 0)
      throw bad_weights(file, fmt::format("gives {} the weight {}, not a finite number >= 0", what, w));
    return w;
  };
  WeightsFile out;
  if (j.is_array()) {
    out.per_sample = true;
    out.weights.reserve(j.size());
    for (std::size_t i = 0; i < j.size(); ++i) out.weights.push_back(number(j[i], fmt::format("sample {}", i)));
    return out;
  }
  if (!j.is_object()) throw bad_weights(file, "holds neither an object nor a list");
  for (const auto& [name, value] : j.items()) {
    out.weights.push_back(number(value, fmt::format("class '{}'", name)));
    out.names.push_back(name);
  }
  return out;
}

/// One weight per sample of `ds` from a checked weights file.
/// @throws DataError for a count that is not the number of samples, or a class name unknown or missing.
std::vector<double> per_sample_weights(const Dataset& ds, const std::string& file, WeightsFile w) {
  if (w.per_sample) {
    if (static_cast<int64_t>(w.weights.size()) != ds.num_samples())
      throw bad_weights(file, fmt::format("lists {} weights for {} samples", w.weights.size(), ds.num_samples()));
    return std::move(w.weights);
  }
  std::vector<double> per_class(static_cast<std::size_t>(ds.class_index.size()), -1.0);
  std::vector<std::string> unknown, missing;
  for (std::size_t k = 0; k < w.names.size(); ++k) {
    const auto id = ds.class_index.find(w.names[k]);
    if (!id)
      unknown.push_back(w.names[k]);
    else
      per_class[static_cast<std::size_t>(*id)] = w.weights[k];
  }
  for (int32_t c = 0; c < ds.class_index.size(); ++c)
    if (per_class[static_cast<std::size_t>(c)] < 0) missing.push_back(ds.class_index.name_of(c));
  if (!unknown.empty())
    throw bad_weights(file, fmt::format("names classes this data does not have: {}", fmt::join(unknown, ", ")));
  if (!missing.empty())
    throw bad_weights(file, fmt::format("has no weight for the classes {}", fmt::join(missing, ", ")));
  std::vector<double> per_sample(static_cast<std::size_t>(ds.num_samples()), 0.0);
  for (std::size_t i = 0; i < per_sample.size(); ++i) {
    const auto& ids = ds.samples[i].class_ids;
    per_sample[i] = ids.empty() ? 0.0 : per_class[static_cast<std::size_t>(ids.front())];
  }
  return per_sample;
}

}  // namespace

void check_sampling_name(const std::string& sampling) {
  if (sampling != "uniform" && sampling != "balanced" && !(sampling.rfind("weights:", 0) == 0 && sampling.size() > 8))
    throw UsageError(fmt::format("sampling '{}' is unknown; expected uniform, balanced or weights:FILE", sampling));
}

void check_sampling(const std::string& sampling) {
  check_sampling_name(sampling);
  if (sampling.rfind("weights:", 0) == 0) (void)read_weights_file(sampling.substr(8));
}

std::vector<double> sampling_cumulative(const Dataset& ds, const std::string& sampling) {
  check_sampling_name(sampling);
  if (sampling == "uniform") return {};
  std::vector<double> w;
  std::string source = "the class counts";
  if (sampling == "balanced") {
    if (!ds.labelled || ds.class_index.size() == 0)
      throw UsageError("sampling 'balanced' needs classes; expected labelled data (or sampling weights:FILE)");
    const auto counts = ds.class_counts();
    for (const auto& s : ds.samples)
      w.push_back(s.class_ids.empty() ? 0.0 : 1.0 / static_cast<double>(counts[static_cast<std::size_t>(s.class_ids.front())]));
  } else {  // weights:FILE
    source = "sampling weights file '" + sampling.substr(8) + "'";
    const std::string file = sampling.substr(8);
    w = per_sample_weights(ds, file, read_weights_file(file));
  }
  // Only ratios matter: weights whose sum would overflow (1e307 each) are scaled by the largest
  // first, else the running sums turn inf and every draw lands on one sample.
  const double largest = w.empty() ? 0.0 : *std::max_element(w.begin(), w.end());
  double total = 0;
  for (double v : w) total += v;
  if (!std::isfinite(total))
    for (double& v : w) v /= largest;
  total = 0;
  for (double& v : w) v = total += v;
  if (!(total > 0))
    throw DataError(fmt::format("sampling '{}' gives every sample weight 0 ({}); expected some weight > 0", sampling,
                                source));
  return w;
}

std::vector<int64_t> draw_samples(const std::vector<double>& cumulative, uint64_t seed, int64_t epoch, int64_t count) {
  std::vector<int64_t> out(static_cast<std::size_t>(count));
  const double total = cumulative.back();
  for (int64_t i = 0; i < count; ++i) {
    PhiloxStream stream(seed, static_cast<uint64_t>(epoch), static_cast<uint64_t>(i), kSamplingStream);
    const double u = static_cast<double>(stream.next() >> 11) * 0x1.0p-53;  // [0, 1), 53 bits
    // The first sample whose running sum exceeds u * total: zero-weight samples are never drawn.
    auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u * total);
    if (it == cumulative.end()) --it;
    out[static_cast<std::size_t>(i)] = it - cumulative.begin();
  }
  return out;
}

}  // namespace classflow::detail
