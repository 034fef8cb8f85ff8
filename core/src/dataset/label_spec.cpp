// LabelSpec: the one place class_mode defaults, aliases and encoder construction are decided.
#include <classflow/error.hpp>
#include <classflow/label_spec.hpp>
#include <classflow/registry.hpp>

#include "plugins/plugin_call.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <exception>
#include <set>
#include <thread>

namespace classflow {

namespace {

// Encodes every sample's labels once, in chunks with a bounded scratch buffer, so a label the
// encoder refuses (two classes for categorical, no values for raw) fails here, naming the file,
// not in the middle of an epoch. The encoder's own rules decide, third-party ones included.
// An encoder is a function of the class ids (and values): each distinct set of ids without values
// is encoded once, so the cost follows the distinct label sets (K for single-label data), not N.
void check_every_label(const LabelEncoder& encoder, const Dataset& dataset) {
  const std::size_t row = std::max<std::size_t>(encoder.label_desc().num_bytes(), 1);
  // A scratch that stays in the cache: a large one is memory bandwidth (K = 100,000 classes).
  const std::size_t chunk = std::clamp<std::size_t>((std::size_t{256} << 10) / row, 1, 4096);
  std::vector<std::size_t> todo;
  {
    std::set<std::vector<int32_t>> seen;
    for (std::size_t i = 0; i < dataset.samples.size(); ++i) {
      const Sample& s = dataset.samples[i];
      if (!s.values.empty() || seen.insert(s.class_ids).second) todo.push_back(i);
    }
  }
  // Checks todo[from, to) on one thread; the first refused sample's error, if any.
  auto check_range = [&](std::size_t from, std::size_t to) {
    std::vector<unsigned char> scratch;
    auto encode = [&](std::size_t begin, std::size_t end) {
      std::vector<int32_t> ids;
      std::vector<int64_t> offsets{0};
      std::vector<float> values;
      int64_t width = 0;
      for (std::size_t t = begin; t < end; ++t) {
        const Sample& s = dataset.samples[todo[t]];
        ids.insert(ids.end(), s.class_ids.begin(), s.class_ids.end());
        offsets.push_back(static_cast<int64_t>(ids.size()));
        width = static_cast<int64_t>(s.values.size());
        values.insert(values.end(), s.values.begin(), s.values.end());
      }
      scratch.resize((end - begin) * row);
      encoder.encode(ids.data(), offsets.data(), static_cast<int64_t>(end - begin), scratch.data(), scratch.size(),
                     values.empty() ? nullptr : values.data(), width);
    };
    for (std::size_t begin = from; begin < to; begin += chunk) {
      const std::size_t end = std::min(to, begin + chunk);
      try {
        encode(begin, end);
      } catch (const DataError&) {
        for (std::size_t t = begin; t < end; ++t) {  // which sample: its own message, with its path
          try {
            encode(t, t + 1);
          } catch (const DataError& e) {
            const Sample& bad = dataset.samples[todo[t]];
            std::vector<std::string> names;
            for (int32_t c : bad.class_ids) names.push_back(dataset.class_index.name_of(c));
            throw DataError(fmt::format("labels of '{}' (classes: {}) cannot be encoded: {}", bad.path,
                                        names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", ")),
                                        e.what()));
          }
        }
        throw;
      }
    }
  };
  // Many large labels (K = 100,000 one-hot rows) are memory bandwidth: split them over the
  // cores (encoders are thread-safe). The error reported is the first refused sample's, as on
  // one thread: ranges are contiguous and the lowest failing range wins.
  const std::size_t total_bytes = todo.size() * row;
  const std::size_t threads =
      total_bytes < (std::size_t{64} << 20) ? 1 : std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 4);
  if (threads == 1) {
    check_range(0, todo.size());
    return;
  }
  std::vector<std::exception_ptr> errors(threads);
  {
    std::vector<std::jthread> pool;
    for (std::size_t t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        try {
          check_range(todo.size() * t / threads, todo.size() * (t + 1) / threads);
        } catch (...) {
          errors[t] = std::current_exception();
        }
      });
  }
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace

LabelSpec LabelSpec::resolve(const Registry& registry, const LabelOptions& options) {
  LabelSpec spec;
  spec.class_mode_ = options.class_mode;
  if (spec.class_mode_.empty() && options.mapping) spec.class_mode_ = options.mapping->class_mode;
  if (spec.class_mode_.empty()) spec.class_mode_ = "categorical";  // Keras' default
  if (spec.class_mode_ == "None") spec.class_mode_ = "none";       // Keras spells it None
  spec.encoder_options_ = options.encoder_options;
  spec.saved_ = options.mapping;
  if (options.mapping && options.mapping->class_mode == spec.class_mode_) {
    // The saved options apply again (the labels must be made the same way); an option given
    // now wins over its saved value.
    for (const auto& kv : options.mapping->encoder_options) {
      bool given = false;
      for (const auto& g : options.encoder_options) given = given || g.first == kv.first;
      if (!given) spec.encoder_options_.push_back(kv);
    }
  }
  if (spec.class_mode_ != "input" && spec.class_mode_ != "none") {
    // Fail on an unknown class_mode before walking a large tree.
    auto names = registry.encoder_names();
    if (std::find(names.begin(), names.end(), spec.class_mode_) == names.end()) {
      names.push_back("input");
      names.push_back("none");
      detail::throw_unknown_plugin(registry, "encoder", "class_mode", spec.class_mode_, names);
    }
  }
  return spec;
}

void LabelSpec::prepare(ScanOptions& scan) const {
  const bool raw = class_mode_ == "raw";
  scan.labels = class_mode_ != "none" && !raw;
  if (raw) {
    bool given = false;
    for (const auto& kv : scan.source_options) given = given || kv.first == "raw";
    if (!given) scan.source_options.emplace_back("raw", "1");  // numeric columns, no classes
  }
  if (saved_ && !scan.class_indices) scan.class_indices = saved_->class_index;
}

LabelSpec LabelSpec::bind(const Registry& registry, const Dataset& dataset) const {
  LabelSpec spec = *this;
  spec.class_index_ = dataset.class_index;
  if (class_mode_ == "raw") {
    // The label width is the number of numeric values per row; every row must have the same.
    std::size_t width = dataset.samples.empty() ? 0 : dataset.samples.front().values.size();
    for (const auto& s : dataset.samples)
      if (s.values.size() != width)
        throw DataError(
            fmt::format("class_mode 'raw' sample '{}' has {} values, the first has {}; expected the same "
                        "number of values in every row",
                        s.path, s.values.size(), width));
    bool given = false;
    for (const auto& kv : spec.encoder_options_) given = given || kv.first == "width";
    if (!given) spec.encoder_options_.emplace_back("width", std::to_string(width));
  }
  if (class_mode_ != "input" && class_mode_ != "none") {
    spec.encoder_ = registry.make_encoder(class_mode_, spec.class_index_.class_names(), spec.encoder_options_);
    check_every_label(*spec.encoder_, dataset);
  }
  spec.bound_ = true;
  return spec;
}

LabelSpec LabelSpec::bind(const Registry& registry, const ClassIndex& class_index) const {
  Dataset classes;  // no samples: only the classes matter
  classes.class_index = class_index;
  return bind(registry, classes);
}

std::optional<std::string> LabelSpec::positive_class() const {
  if (class_mode_ == "binary" && class_index_.size() == 2) return class_index_.name_of(1);
  return std::nullopt;
}

std::string LabelSpec::label_summary() const {
  if (class_mode_ == "none") return "no labels";
  if (class_mode_ == "input") return "labels are the images";
  if (!encoder_) return "not bound to a dataset";
  const auto& d = encoder_->label_desc();
  std::vector<std::string> dims{"N"};
  for (auto s : d.shape) dims.push_back(std::to_string(s));
  return fmt::format("{} [{}]", sdk::dtype_name(d.dtype), fmt::join(dims, ", "));
}

MappingFile LabelSpec::mapping() const {
  return MappingFile{class_index_, class_mode_, positive_class(), encoder_options_};
}

LabelledDataset scan_labelled(const Registry& registry, ScanOptions scan, const LabelOptions& labels) {
  LabelSpec spec = LabelSpec::resolve(registry, labels);
  spec.prepare(scan);
  Dataset dataset = scan_dataset(registry, scan);
  LabelSpec bound = spec.bind(registry, dataset);
  return {std::move(dataset), std::move(bound)};
}

LabelledSplit scan_labelled_split(const Registry& registry, ScanOptions scan, const LabelOptions& labels) {
  LabelSpec spec = LabelSpec::resolve(registry, labels);
  spec.prepare(scan);
  auto [training, validation] = scan_split(registry, scan);
  LabelSpec bound = spec.bind(registry, training);
  return {std::move(training), std::move(validation), std::move(bound)};
}

}  // namespace classflow
