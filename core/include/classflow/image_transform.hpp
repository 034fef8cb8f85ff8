// classflow core: a loaded transform instance (augmentation, from any plugin), errors naming it.
#pragma once

#include <classflow/export.hpp>
#include <classflow/sdk/abi.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace classflow {

namespace detail {
struct PluginRef;
}

/// A transform to run, as asked for (`--transform NAME:k=v,...`, or the Keras names of
/// `--augment`, which make the built-in `keras` transform).
struct TransformSpec {
  std::string name;                                          ///< registered transform name
  std::vector<std::pair<std::string, std::string>> options;  ///< key=value for it
};

/// One transform instance made for a loader. Keeps its plugin library loaded while it lives.
/// Thread-safe: apply may run on every decode worker at once.
class CLASSFLOW_CORE_API ImageTransform {
 public:
  /// Built by Registry::make_transform; `library` keeps the plugin loaded.
  ImageTransform(const cf_transform_vtable* vtable, void* instance, std::shared_ptr<void> library,
                 std::string plugin_file);
  ~ImageTransform();
  ImageTransform(const ImageTransform&) = delete;
  ImageTransform& operator=(const ImageTransform&) = delete;

  /// The registered name, e.g. "keras".
  std::string name() const { return vtable_->name; }
  /// CF_TRANSFORM_BEFORE_RESIZE or CF_TRANSFORM_AFTER_RESIZE.
  int32_t stage() const noexcept { return vtable_->stage; }
  /// The library that provides it.
  const std::string& plugin_file() const noexcept { return plugin_file_; }

  /// Runs the plugin's apply (see cf_transform_vtable) with the sample's random stream.
  /// @throws DataError / UsageError / PluginError as the plugin reports (naming it), and
  /// PluginError when it breaks the contract (an after-resize transform changing the size, an
  /// output that does not fit `capacity`).
  void apply(const cf_image_view& in, cf_image_view& out, std::size_t capacity, const cf_random& random) const;
  /// apply() with the stream a DataLoader would give sample `sample` of epoch `epoch` for the
  /// transform at `position` of LoaderOptions::transforms (Philox-4x64 keyed by the seed).
  void apply(const cf_image_view& in, cf_image_view& out, std::size_t capacity, uint64_t seed, uint64_t epoch,
             uint64_t sample, uint64_t position) const;

 private:
  detail::PluginRef ref() const;
  const cf_transform_vtable* vtable_;
  void* instance_;
  std::shared_ptr<void> library_;
  std::string plugin_file_;
};

}  // namespace classflow
