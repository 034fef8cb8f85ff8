// One image from file bytes to a target-size uint8 matrix (private to the core).
#pragma once

#include <classflow/loader_options.hpp>
#include <classflow/registry.hpp>

#include "image/augmentation.hpp"
#include "image/resample.hpp"

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>

namespace classflow::detail {

/// Nanoseconds load_image spent reading the file and in the decoder (flow --profile); the rest
/// of its time is orientation, colour conversion, transforms and resize.
struct StageTimes {
  int64_t read_ns = 0;
  int64_t decode_ns = 0;
};

/// Reads, decodes (decoder chosen by magic bytes), orients, converts colour and resizes the file
/// at `path` to options.target_size: a uint8 matrix [H, W, C] with C = 1 (grayscale), 3 (rgb)
/// or 4 (rgba). Semantics follow Keras load_img: colour conversion as Pillow's convert()
/// (alpha dropped unless alpha_background), then resize (nearest bit-exact with Pillow),
/// keep_aspect_ratio centre-crops with Keras' formula.
/// With `augmentation`, its before-resize transforms run on the decoded image (JPEG DCT scaling
/// is then off, so a crop keeps its detail) and its after-resize ones on the resized 8-bit image.
/// The result may view a per-thread buffer that this thread's next call reuses: store or copy it
/// first (OpenCV reference counting allocates anew while a copy of the header is still alive).
/// @throws DataError naming the path and the reason (empty, not an image, truncated, too many
/// pixels for max_image_pixels, unreadable); what the transforms throw.
/// With `direct` (no after-resize transforms), a Pillow-filter resize of a 1- or 3-channel image
/// writes its float32 result there (the batch slot) and the returned Mat is empty; anything
/// else returns the uint8 image as usual.
cv::Mat load_image(const Registry& registry, const std::string& path, const LoaderOptions& options,
                   const Augmentation* augmentation = nullptr, const SampleKey& key = {},
                   StageTimes* times = nullptr, const FloatOutput* direct = nullptr);

/// load_image without the after-resize transforms: the image the resized-image cache keeps.
cv::Mat load_resized(const Registry& registry, const std::string& path, const LoaderOptions& options,
                     const Augmentation* augmentation = nullptr, const SampleKey& key = {},
                     StageTimes* times = nullptr);

}  // namespace classflow::detail
