// classflow SDK: the dataset-source interface a plugin author implements (C++17, header-only).
#pragma once

#include <classflow/sdk/abi.h>
#include <classflow/sdk/types.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace classflow::sdk {
inline namespace v1 {

/// What to scan. Mirrors cf_scan_request with owned copies.
struct ScanRequest {
  std::string root;                     ///< UTF-8 path of the folder or list file
  std::vector<std::string> extensions;  ///< lower case with the dot; what decoders claim
  std::vector<std::string> classes;     ///< explicit classes to look at; empty = all
  Options options;                      ///< source-specific key=value options
};

/// Where a source reports what it finds. Sources report class *names*; only the core assigns
/// indices, so a source never sorts classes for indexing.
class ScanSink {
 public:
  explicit ScanSink(const cf_scan_sink* sink) : sink_(sink) {}
  /// A class exists (e.g. its folder), whether or not it holds samples.
  void add_class(const std::string& name) const { sink_->add_class(sink_->context, name.c_str()); }
  /// A sample: path relative to the root ('/' separators) and its class names (0..n).
  void add_sample(const std::string& relative_path, const std::vector<std::string>& classes) const {
    std::vector<const char*> names;
    names.reserve(classes.size());
    for (const auto& c : classes) names.push_back(c.c_str());
    sink_->add_sample(sink_->context, relative_path.c_str(), names.data(), names.size());
  }
  /// Numeric targets of the sample added last (raw labels).
  void add_values(const std::vector<float>& values) const {
    sink_->add_values(sink_->context, values.data(), values.size());
  }
  /// A path that is not a sample, with a cf_skip_reason and a detail (may be empty).
  void add_skipped(const std::string& relative_path, cf_skip_reason reason,
                   const std::string& detail = "") const {
    sink_->add_skipped(sink_->context, relative_path.c_str(), reason, detail.c_str());
  }
  /// Relative sample paths start from `path` instead of the root (e.g. a CSV's folder).
  void set_base_directory(const std::string& path) const {
    if (sink_->struct_size >= offsetof(cf_scan_sink, set_base_directory) + sizeof(void*) && sink_->set_base_directory)
      sink_->set_base_directory(sink_->context, path.c_str());
  }
  /// The classes given with add_class are in index order already (e.g. the label columns of a
  /// CSV): the core keeps that order instead of sorting. An explicit class list still wins.
  void keep_class_order() const {
    if (sink_->struct_size >= offsetof(cf_scan_sink, keep_class_order) + sizeof(void*) && sink_->keep_class_order)
      sink_->keep_class_order(sink_->context);
  }

 private:
  const cf_scan_sink* sink_;
};

/// Base class of a dataset source. One instance serves all scans: keep it stateless.
class DatasetSource {
 public:
  virtual ~DatasetSource() = default;
  /// How well this source handles `root`; 0 = not at all; the highest score is chosen.
  virtual int32_t probe(const std::string& root) const = 0;
  /// Walks the source and reports to `sink`.
  /// @throws InvalidArgument / DataError for a fatal problem (root missing, malformed list).
  virtual void scan(const ScanRequest& request, const ScanSink& sink) const = 0;
};

}  // namespace v1
}  // namespace classflow::sdk
