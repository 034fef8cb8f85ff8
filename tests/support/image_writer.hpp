// Test support: real image files made with the libraries the decoders use (libpng, TurboJPEG,
// OpenCV imgcodecs), so decoder tests start from bytes another encoder wrote.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace classflow::test {

/// The bytes of an encoded image file.
using Bytes = std::vector<uint8_t>;

/// The whole content of `path`. @throws std::runtime_error naming the path when unreadable.
Bytes read_bytes(const std::string& path);
/// Writes `bytes` to `path`, replacing it. @throws std::runtime_error naming the path.
void write_bytes(const std::string& path, const Bytes& bytes);

/// PNG of `pixels` [height, width, channels], row-major interleaved: channels 1 gray,
/// 2 gray+alpha, 3 RGB, 4 RGBA; bit_depth 8 (uint8 samples) or 16 (uint16 samples in host byte
/// order). exif_orientation 1..8 adds an eXIf chunk with that IFD0 Orientation; 0 adds none.
/// @throws std::runtime_error for other channels or bit depths, or when libpng fails.
Bytes encode_png(int width, int height, int channels, int bit_depth, const void* pixels,
                 int exif_orientation = 0);
/// encode_png written to `path`.
void write_png(const std::string& path, int width, int height, int channels, int bit_depth,
               const void* pixels, int exif_orientation = 0);

/// 8-bit palette PNG: `palette` RGB entries, `alpha` their tRNS alphas (the first
/// alpha.size() entries; empty: no tRNS chunk), `indices` [height, width] into the palette.
Bytes encode_png_palette(int width, int height, const std::vector<std::array<uint8_t, 3>>& palette,
                         const std::vector<uint8_t>& alpha, const std::vector<uint8_t>& indices);
/// encode_png_palette written to `path`.
void write_png_palette(const std::string& path, int width, int height,
                       const std::vector<std::array<uint8_t, 3>>& palette,
                       const std::vector<uint8_t>& alpha, const std::vector<uint8_t>& indices);

/// 8-bit gray (channels 1) or RGB (3) PNG with a tRNS chunk making one colour transparent:
/// `transparent` holds {gray} or {r, g, b} (unused entries ignored).
Bytes encode_png_trns_color(int width, int height, int channels, const uint8_t* pixels,
                            const std::array<uint16_t, 3>& transparent);

/// 8-bit RGB PNG of one colour, width x height.
Bytes solid_rgb_png_bytes(int width, int height, uint8_t r, uint8_t g, uint8_t b);
/// solid_rgb_png_bytes written to `path`.
void solid_rgb_png(const std::string& path, int width, int height, uint8_t r, uint8_t g, uint8_t b);

/// Baseline JPEG (TurboJPEG) of `pixels` [height, width, channels] uint8: channels 1 (gray) or
/// 3 (RGB, encoded 4:4:4 so flat colours survive), quality 1..100.
/// @throws std::runtime_error for other channels or when TurboJPEG fails.
Bytes encode_jpeg(int width, int height, int channels, const uint8_t* pixels, int quality = 95);
/// encode_jpeg written to `path`.
void write_jpeg(const std::string& path, int width, int height, int channels, const uint8_t* pixels,
                int quality = 95);

/// CMYK (YCCK) JPEG written the way Pillow and Photoshop write one: `ink` [height, width, 4]
/// holds ink amounts C, M, Y, K (0 = none, 255 = full), stored Adobe-inverted (255 - ink), so
/// ink (0,0,0,0) is white paper and (255,0,0,0) is cyan, as Pillow reads them back.
Bytes encode_jpeg_cmyk(int width, int height, const uint8_t* ink, int quality = 95);
/// encode_jpeg_cmyk written to `path`.
void write_jpeg_cmyk(const std::string& path, int width, int height, const uint8_t* ink,
                     int quality = 95);

/// A minimal TIFF structure (as in EXIF) whose IFD0 holds one SHORT Orientation tag (0x0112).
Bytes exif_orientation_tiff(int orientation, bool big_endian = false);
/// `jpeg` with an APP1 "Exif\0\0" segment holding exif_orientation_tiff inserted after SOI
/// (after the JFIF APP0 segment when there is one). @throws std::runtime_error if not a JPEG.
Bytes add_exif_orientation(const Bytes& jpeg, int orientation, bool big_endian = false);

/// Image encoded by OpenCV imgcodecs (cv::imencode) in the format of `extension` (".bmp",
/// ".tif", ".webp", ".ppm", ".pgm", ".pbm"...). `pixels` [height, width, channels] row-major
/// in RGB(A) order (swapped to OpenCV's BGR(A) here), channels 1, 3 or 4, bit_depth 8 (uint8)
/// or 16 (uint16, host order); `params` as cv::imwrite's (e.g. {IMWRITE_WEBP_QUALITY, 101}).
/// @throws std::runtime_error when OpenCV cannot encode it.
Bytes encode_with_opencv(const std::string& extension, int width, int height, int channels,
                         int bit_depth, const void* pixels, const std::vector<int>& params = {});
/// encode_with_opencv written to `path`, its format taken from the path's extension.
void write_with_opencv(const std::string& path, int width, int height, int channels, int bit_depth,
                       const void* pixels, const std::vector<int>& params = {});

}  // namespace classflow::test
