// The transforms of one loader, split by stage, and running them on one image with the
// sample's counter-based random streams. Private to the core.
#pragma once

#include <classflow/image_transform.hpp>
#include <classflow/loader_options.hpp>

#include <opencv2/core.hpp>

#include <cstdint>
#include <memory>
#include <vector>

namespace classflow {
class Registry;
}

namespace classflow::detail {

/// Which sample of which epoch is being made: the key of its random streams.
struct SampleKey {
  uint64_t seed = 0;
  uint64_t epoch = 0;
  uint64_t sample = 0;
};

/// A loader's transforms, made once (Registry::make_transform) from LoaderOptions::transforms.
class Augmentation {
 public:
  Augmentation() = default;
  /// @throws as Registry::make_transform.
  Augmentation(const Registry& registry, const LoaderOptions& options);
  bool empty() const noexcept { return before_.empty() && after_.empty(); }
  bool has_before() const noexcept { return !before_.empty(); }
  bool has_after() const noexcept { return !after_.empty(); }
  /// Runs the before-resize transforms on `image` (uint8), in order.
  cv::Mat before_resize(cv::Mat image, const SampleKey& key) const { return run(before_, std::move(image), key); }
  /// Runs the after-resize transforms on `image` (uint8 or float32), in order.
  cv::Mat after_resize(cv::Mat image, const SampleKey& key) const { return run(after_, std::move(image), key); }

 private:
  struct Step {
    int position;  ///< index in LoaderOptions::transforms: part of the random stream's key
    std::shared_ptr<const ImageTransform> transform;
  };
  static cv::Mat run(const std::vector<Step>& steps, cv::Mat image, const SampleKey& key);
  std::vector<Step> before_, after_;
};

}  // namespace classflow::detail
