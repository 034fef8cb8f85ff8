#include "image_writer.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <png.h>
#include <turbojpeg.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace classflow::test {
namespace {

// libpng reports errors by longjmp: the function holding setjmp keeps only plain C data.

struct PngSink {
  Bytes* out;
  char error[256];
};

/// What write_png_c writes; plain C data.
struct PngSpec {
  png_uint_32 width;
  png_uint_32 height;
  int bit_depth;
  int color_type;
  const png_color* palette;  ///< [num_palette] or nullptr
  int num_palette;
  const png_byte* trns;  ///< [num_trns] or nullptr
  int num_trns;
  const png_color_16* trans_color;  ///< tRNS colour of a gray or RGB image, or nullptr
  const png_byte* exif;             ///< [exif_size] bare TIFF structure or nullptr
  png_uint_32 exif_size;
  png_bytepp rows;  ///< [height]
  int swap16;       ///< host is little-endian and samples are 16-bit
};

void png_write_callback(png_structp png, png_bytep data, std::size_t n) {
  auto* sink = static_cast<PngSink*>(png_get_io_ptr(png));
  sink->out->insert(sink->out->end(), data, data + n);
}
void png_flush_callback(png_structp) {}
void png_error_callback(png_structp png, png_const_charp message) {
  auto* sink = static_cast<PngSink*>(png_get_error_ptr(png));
  std::snprintf(sink->error, sizeof sink->error, "%s", message);
  png_longjmp(png, 1);
}
void png_warning_callback(png_structp, png_const_charp) {}

int write_png_c(PngSink* sink, const PngSpec* spec) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, sink, &png_error_callback,
                                            &png_warning_callback);
  if (png == nullptr) return 1;
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_write_struct(&png, nullptr);
    return 1;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return 1;
  }
  png_set_write_fn(png, sink, &png_write_callback, &png_flush_callback);
  png_set_IHDR(png, info, spec->width, spec->height, spec->bit_depth, spec->color_type,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (spec->palette != nullptr) png_set_PLTE(png, info, spec->palette, spec->num_palette);
  if (spec->trns != nullptr) png_set_tRNS(png, info, spec->trns, spec->num_trns, nullptr);
  if (spec->trans_color != nullptr) png_set_tRNS(png, info, nullptr, 0, spec->trans_color);
  if (spec->exif != nullptr)
    png_set_eXIf_1(png, info, spec->exif_size, const_cast<png_bytep>(spec->exif));
  png_write_info(png, info);
  if (spec->swap16) png_set_swap(png);
  png_write_image(png, spec->rows);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return 0;
}

bool is_little_endian() {
  const uint16_t one = 1;
  uint8_t first = 0;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

Bytes run_png_writer(PngSpec spec, const void* pixels, std::size_t row_bytes) {
  std::vector<png_bytep> rows(spec.height);
  for (std::size_t y = 0; y < rows.size(); ++y)
    rows[y] = const_cast<png_bytep>(static_cast<const png_byte*>(pixels)) + y * row_bytes;
  spec.rows = rows.data();
  Bytes out;
  PngSink sink{&out, {0}};
  if (write_png_c(&sink, &spec) != 0)
    throw std::runtime_error(std::string("libpng could not write a PNG: ") + sink.error);
  return out;
}

/// Owns a TurboJPEG compressor.
class TjCompressor {
 public:
  TjCompressor() : handle_(tjInitCompress()) {
    if (handle_ == nullptr) throw std::runtime_error("TurboJPEG compressor could not start");
  }
  ~TjCompressor() { tjDestroy(handle_); }
  TjCompressor(const TjCompressor&) = delete;
  TjCompressor& operator=(const TjCompressor&) = delete;

  Bytes compress(const uint8_t* pixels, int width, int height, int pixel_format, int subsampling,
                 int quality) {
    unsigned char* jpeg = nullptr;
    unsigned long size = 0;
    if (tjCompress2(handle_, pixels, width, 0, height, pixel_format, &jpeg, &size, subsampling,
                    quality, 0) != 0) {
      std::string reason = tjGetErrorStr2(handle_);
      tjFree(jpeg);
      throw std::runtime_error("TurboJPEG could not write a JPEG: " + reason);
    }
    Bytes out(jpeg, jpeg + size);
    tjFree(jpeg);
    return out;
  }

 private:
  tjhandle handle_;
};

}  // namespace

Bytes read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read '" + path + "'");
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write '" + path + "'");
}

Bytes encode_png(int width, int height, int channels, int bit_depth, const void* pixels,
                 int exif_orientation) {
  static constexpr int color_types[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                        PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
  if (channels < 1 || channels > 4 || (bit_depth != 8 && bit_depth != 16))
    throw std::runtime_error("PNG channels '" + std::to_string(channels) + "' or bit depth '" +
                             std::to_string(bit_depth) + "' unsupported; expected 1..4 and 8|16");
  const Bytes exif = exif_orientation > 0 ? exif_orientation_tiff(exif_orientation) : Bytes{};
  PngSpec spec{};
  spec.width = static_cast<png_uint_32>(width);
  spec.height = static_cast<png_uint_32>(height);
  spec.bit_depth = bit_depth;
  spec.color_type = color_types[channels - 1];
  spec.exif = exif.empty() ? nullptr : exif.data();
  spec.exif_size = static_cast<png_uint_32>(exif.size());
  spec.swap16 = bit_depth == 16 && is_little_endian();
  return run_png_writer(spec, pixels, static_cast<std::size_t>(width) * channels * (bit_depth / 8));
}

void write_png(const std::string& path, int width, int height, int channels, int bit_depth,
               const void* pixels, int exif_orientation) {
  write_bytes(path, encode_png(width, height, channels, bit_depth, pixels, exif_orientation));
}

Bytes encode_png_palette(int width, int height, const std::vector<std::array<uint8_t, 3>>& palette,
                         const std::vector<uint8_t>& alpha, const std::vector<uint8_t>& indices) {
  if (indices.size() != static_cast<std::size_t>(width) * height || palette.empty() ||
      palette.size() > 256 || alpha.size() > palette.size())
    throw std::runtime_error(
        "palette PNG arguments are inconsistent; expected width*height "
        "indices, 1..256 palette entries and no more alphas than entries");
  std::vector<png_color> colors;
  for (const auto& c : palette) colors.push_back(png_color{c[0], c[1], c[2]});
  PngSpec spec{};
  spec.width = static_cast<png_uint_32>(width);
  spec.height = static_cast<png_uint_32>(height);
  spec.bit_depth = 8;
  spec.color_type = PNG_COLOR_TYPE_PALETTE;
  spec.palette = colors.data();
  spec.num_palette = static_cast<int>(colors.size());
  spec.trns = alpha.empty() ? nullptr : alpha.data();
  spec.num_trns = static_cast<int>(alpha.size());
  return run_png_writer(spec, indices.data(), static_cast<std::size_t>(width));
}

void write_png_palette(const std::string& path, int width, int height,
                       const std::vector<std::array<uint8_t, 3>>& palette,
                       const std::vector<uint8_t>& alpha, const std::vector<uint8_t>& indices) {
  write_bytes(path, encode_png_palette(width, height, palette, alpha, indices));
}

Bytes encode_png_trns_color(int width, int height, int channels, const uint8_t* pixels,
                            const std::array<uint16_t, 3>& transparent) {
  if (channels != 1 && channels != 3)
    throw std::runtime_error("PNG tRNS colour needs channels 1 or 3, not '" +
                             std::to_string(channels) + "'");
  png_color_16 color{};
  color.gray = transparent[0];
  color.red = transparent[0];
  color.green = transparent[1];
  color.blue = transparent[2];
  PngSpec spec{};
  spec.width = static_cast<png_uint_32>(width);
  spec.height = static_cast<png_uint_32>(height);
  spec.bit_depth = 8;
  spec.color_type = channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB;
  spec.trans_color = &color;
  return run_png_writer(spec, pixels, static_cast<std::size_t>(width) * channels);
}

Bytes solid_rgb_png_bytes(int width, int height, uint8_t r, uint8_t g, uint8_t b) {
  std::vector<uint8_t> pixels;
  pixels.reserve(static_cast<std::size_t>(width) * height * 3);
  for (int i = 0; i < width * height; ++i) pixels.insert(pixels.end(), {r, g, b});
  return encode_png(width, height, 3, 8, pixels.data());
}

void solid_rgb_png(const std::string& path, int width, int height, uint8_t r, uint8_t g,
                   uint8_t b) {
  write_bytes(path, solid_rgb_png_bytes(width, height, r, g, b));
}

Bytes encode_jpeg(int width, int height, int channels, const uint8_t* pixels, int quality) {
  if (channels != 1 && channels != 3)
    throw std::runtime_error("JPEG channels '" + std::to_string(channels) +
                             "' unsupported; expected 1 or 3");
  TjCompressor tj;
  return channels == 1 ? tj.compress(pixels, width, height, TJPF_GRAY, TJSAMP_GRAY, quality)
                       : tj.compress(pixels, width, height, TJPF_RGB, TJSAMP_444, quality);
}

void write_jpeg(const std::string& path, int width, int height, int channels, const uint8_t* pixels,
                int quality) {
  write_bytes(path, encode_jpeg(width, height, channels, pixels, quality));
}

Bytes encode_jpeg_cmyk(int width, int height, const uint8_t* ink, int quality) {
  // Adobe's convention (Photoshop, and Pillow's "CMYK;I" raw mode) stores 255 - ink.
  std::vector<uint8_t> stored(static_cast<std::size_t>(width) * height * 4);
  for (std::size_t i = 0; i < stored.size(); ++i) stored[i] = static_cast<uint8_t>(255 - ink[i]);
  TjCompressor tj;
  return tj.compress(stored.data(), width, height, TJPF_CMYK, TJSAMP_444, quality);
}

void write_jpeg_cmyk(const std::string& path, int width, int height, const uint8_t* ink,
                     int quality) {
  write_bytes(path, encode_jpeg_cmyk(width, height, ink, quality));
}

Bytes exif_orientation_tiff(int orientation, bool big_endian) {
  const auto v = static_cast<uint8_t>(orientation);
  if (big_endian)
    return {'M',  'M',  0, 42, 0, 0, 0, 8,              // header, IFD0 at offset 8
            0,    1,                                    // one entry
            0x01, 0x12, 0, 3,  0, 0, 0, 1, 0, v, 0, 0,  // Orientation, SHORT, count 1, value
            0,    0,    0, 0};                          // no next IFD
  return {'I',  'I',  42, 0, 8, 0, 0, 0,                // header, IFD0 at offset 8
          1,    0,                                      // one entry
          0x12, 0x01, 3,  0, 1, 0, 0, 0, v, 0, 0, 0,    // Orientation, SHORT, count 1, value
          0,    0,    0,  0};                           // no next IFD
}

Bytes add_exif_orientation(const Bytes& jpeg, int orientation, bool big_endian) {
  if (jpeg.size() < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8)
    throw std::runtime_error("data is not a JPEG; expected it to start with FF D8");
  std::size_t at = 2;
  if (jpeg[2] == 0xFF && jpeg[3] == 0xE0 && jpeg.size() >= 6)  // keep JFIF APP0 first
    at = 4 + ((std::size_t{jpeg[4]} << 8) | jpeg[5]);
  const Bytes tiff = exif_orientation_tiff(orientation, big_endian);
  const std::size_t length = 2 + 6 + tiff.size();
  Bytes segment = {0xFF,
                   0xE1,
                   static_cast<uint8_t>(length >> 8),
                   static_cast<uint8_t>(length & 0xFF),
                   'E',
                   'x',
                   'i',
                   'f',
                   0,
                   0};
  segment.insert(segment.end(), tiff.begin(), tiff.end());
  Bytes out(jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(at));
  out.insert(out.end(), segment.begin(), segment.end());
  out.insert(out.end(), jpeg.begin() + static_cast<std::ptrdiff_t>(at), jpeg.end());
  return out;
}

Bytes encode_with_opencv(const std::string& extension, int width, int height, int channels,
                         int bit_depth, const void* pixels, const std::vector<int>& params) {
  if ((channels != 1 && channels != 3 && channels != 4) || (bit_depth != 8 && bit_depth != 16))
    throw std::runtime_error("OpenCV channels '" + std::to_string(channels) + "' or bit depth '" +
                             std::to_string(bit_depth) + "' unsupported; expected 1|3|4 and 8|16");
  const cv::Mat rgb(height, width, CV_MAKETYPE(bit_depth == 16 ? CV_16U : CV_8U, channels),
                    const_cast<void*>(pixels));
  cv::Mat bgr;  // a new buffer: converting into a copy of `rgb` would rewrite the caller's pixels
  if (channels == 1) bgr = rgb;
  if (channels == 3) cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  if (channels == 4) cv::cvtColor(rgb, bgr, cv::COLOR_RGBA2BGRA);
  std::vector<uchar> buffer;
  if (!cv::imencode(extension, bgr, buffer, params))
    throw std::runtime_error("OpenCV could not encode a '" + extension + "' image");
  return Bytes(buffer.begin(), buffer.end());
}

void write_with_opencv(const std::string& path, int width, int height, int channels, int bit_depth,
                       const void* pixels, const std::vector<int>& params) {
  const auto dot = path.rfind('.');
  if (dot == std::string::npos)
    throw std::runtime_error("path '" + path + "' has no extension; expected e.g. .bmp or .tif");
  write_bytes(path, encode_with_opencv(path.substr(dot), width, height, channels, bit_depth, pixels,
                                       params));
}

}  // namespace classflow::test
