// classflow SDK: the image-decoder interface a plugin author implements (C++17, header-only).
#pragma once

#include <classflow/sdk/abi.h>
#include <classflow/sdk/types.hpp>

#include <cstdint>
#include <cstddef>

namespace classflow::sdk {
inline namespace v1 {

/// What the host asks for. Mirrors cf_decode_request.
struct DecodeRequest {
  int32_t min_width = 0;          ///< may downscale, never below this (0 = full size), pixels
  int32_t min_height = 0;         ///< same for height, pixels
  bool apply_orientation = true;  ///< apply EXIF orientation when the decoder can
  bool keep_16bit = false;        ///< 16-bit input stays uint16 instead of scaled to 8 bit
};

/// What decode will write, known from the header. Mirrors cf_image_info.
struct ImageInfo {
  int32_t width = 0, height = 0;          ///< stored size, pixels
  int32_t out_width = 0, out_height = 0;  ///< output size, pixels
  int32_t out_channels = 3;               ///< 1 gray, 3 RGB, 4 RGBA
  DType out_dtype = DType::uint8;         ///< uint8, or uint16 with keep_16bit
  int32_t orientation = 1;                ///< EXIF orientation still to apply (1 = none)
  // ABI 1.2: what the file stores (0 = unknown), e.g. for `classflow check`'s colour counts.
  int32_t source_color = CF_COLOR_UNKNOWN;  ///< a cf_color_model value
  bool source_alpha = false;                ///< the file has alpha or transparency
  int32_t source_bits = 0;                  ///< bits per stored sample, 0 unknown

  /// Bytes of the output buffer: out_height * out_width * out_channels * sizeof(dtype).
  std::size_t out_bytes() const {
    return static_cast<std::size_t>(out_width) * static_cast<std::size_t>(out_height) *
           static_cast<std::size_t>(out_channels) * dtype_size(out_dtype);
  }
};

/// Base class of an image decoder. One instance serves all threads: keep it stateless.
/// A subclass also declares `static constexpr const char* const extensions[]`, lower case with
/// the dot, terminated by nullptr.
class ImageDecoder {
 public:
  virtual ~ImageDecoder() = default;
  /// True when `data` (its first `size` bytes, at most 64) starts a file this decoder reads.
  virtual bool sniff(const uint8_t* data, std::size_t size) const = 0;
  /// Reads the header only. @throws DataError when the header is not valid.
  virtual ImageInfo plan(const uint8_t* data, std::size_t size,
                         const DecodeRequest& request) const = 0;
  /// Decodes into `out` (info.out_bytes() bytes, caller-allocated, row-major interleaved).
  /// @throws DataError for truncated or corrupt data, naming the reason.
  virtual void decode(const uint8_t* data, std::size_t size, const DecodeRequest& request,
                      const ImageInfo& info, void* out) const = 0;
};

}  // namespace v1
}  // namespace classflow::sdk
