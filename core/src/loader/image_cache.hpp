// The resized-image cache (--cache): private to the core.
#pragma once

#include <classflow/loader_options.hpp>

#include <opencv2/core.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace classflow::detail {

/// Resized uint8 images [H, W, C] kept after their first decode, so later epochs skip reading,
/// decoding and resizing. Keyed by the file's identity (device, inode, size, modification time:
/// an edited or replaced file is a miss) and by every option that shapes the pixels
/// (target_size, color_mode, interpolation, keep_aspect_ratio, alpha_background,
/// apply_orientation, jpeg_draft). `location` "memory" keeps them in this process; any other
/// value is a folder (created if missing) of one file per image, written to a temporary and
/// renamed (a reader never sees half a file) and checked on every read (header, key, size and
/// an XXH3 checksum of the pixels): a file that fails the check is a miss and is rewritten.
/// Thread-safe. A folder that cannot be written turns the cache off with one warning; training
/// never fails because of its cache.
class ImageCache {
 public:
  ImageCache(std::string location, const LoaderOptions& options, int64_t num_samples);
  ~ImageCache();
  ImageCache(const ImageCache&) = delete;
  ImageCache& operator=(const ImageCache&) = delete;

  /// The cached image of sample `sample` (file `path`), or nullopt on a miss. Read-only; from a
  /// folder it views a per-thread buffer that this thread's next get() reuses.
  std::optional<cv::Mat> get(int64_t sample, const std::string& path) const;
  /// Stores `image` (uint8, continuous or not) for sample `sample` (file `path`).
  void put(int64_t sample, const std::string& path, const cv::Mat& image) const;
  /// Warnings so far (e.g. the folder became unwritable and the cache was turned off).
  std::vector<std::string> warnings() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The options that shape a resized image's pixels, as one stable string (the cache key's tail).
std::string pixel_options_key(const LoaderOptions& options);

}  // namespace classflow::detail
