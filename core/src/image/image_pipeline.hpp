// One image from file bytes to a target-size uint8 matrix (private to the core).
#pragma once

#include <classflow/batch.hpp>
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

/// Pillow's convert('L') of an 8-bit RGB or RGBA image (alpha ignored): ITU-R 601-2 luma in
/// 16.16 fixed point, rounded half up — OpenCV's RGB2GRAY uses 14-bit coefficients and differs
/// from Pillow by 1 at times. Returns [H, W] uint8.
cv::Mat pillow_luma(const cv::Mat& rgb);
/// pillow_luma written into `out` (created [H, W] uint8; its buffer reused when it fits).
void pillow_luma(const cv::Mat& rgb, cv::Mat& out);

/// `m` (a per-thread work image) ready to be written again: its buffer is kept for create() to
/// reuse unless someone still holds the last result, which then keeps it. A fresh buffer per
/// image made glibc trim a worker's arena at every free (an madvise each, ~90 us on this VM:
/// ~15% of an epoch of 500x375 photos).
inline cv::Mat& reusable(cv::Mat& m) {
  if (m.u != nullptr && CV_XADD(&m.u->refcount, 0) > 1) m.release();  // an atomic read: holders may be other threads
  return m;
}

/// Reads the whole file at `path` into `bytes` (a per-thread buffer whose capacity is kept
/// between images, so large files cost no allocation and page faults each time). Only regular
/// files (a FIFO or /dev/zero listed as an image would hang or never end), at most 2 GiB; exactly
/// the size fstat reports is read. With `sniff`, the first 64 bytes are read first and a file no
/// decoder of that registry claims is refused before the rest is read (a 2 GB log named .png).
/// @throws DataError naming the path and the reason (decoder_for_file's for a refused file).
void read_image_file(const std::string& path, TensorBytes& bytes, const Registry* sniff = nullptr);

/// The extension of the file name in `path`, lower case with the dot ("x/a.JPG" -> ".jpg"), as
/// Registry::extensions lists them; "" when the name has none.
std::string lower_extension(const std::string& path);

/// The decoder whose sniff() claims `bytes` (magic bytes, not the extension).
/// @throws DataError naming the path when the file is empty or no loaded decoder claims it.
const DecoderEntry& decoder_for_file(const Registry& registry, const std::string& path, const TensorBytes& bytes);

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
