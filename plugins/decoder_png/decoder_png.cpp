// Image decoder 'png': libpng 1.6 (classic API, reading from memory). Output: gray [H, W, 1],
// RGB [H, W, 3] or RGBA [H, W, 4]; uint8, or uint16 for 16-bit files when keep_16bit is asked.
#include <classflow/sdk/plugin.hpp>

#include <png.h>

#include <common/exif_orientation.hpp>

#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

using namespace classflow::sdk;

// libpng reports errors by longjmp. Everything below that runs inside the setjmp scope uses
// plain C data only, so a longjmp never skips a destructor.

/// The bytes being read and the last libpng error; plain C data shared with the callbacks.
struct PngSource {
  const uint8_t* data;
  std::size_t size;
  std::size_t pos;
  char error[512];
};

/// The IHDR facts, tRNS presence and the eXIf orientation, as read by png_read_info.
struct PngHeader {
  png_uint_32 width;
  png_uint_32 height;
  int bit_depth;
  int color_type;
  int has_trns;
  int orientation;  ///< 1..8, 1 when there is no usable eXIf chunk
};

/// Where png_read_image writes: the caller's rows and what it expects them to hold.
struct PngTarget {
  int keep_16bit;
  png_uint_32 height;
  std::size_t row_bytes;
  png_bytepp rows;  ///< [height] row starts in the caller's buffer
};

void read_callback(png_structp png, png_bytep out, std::size_t n) {
  auto* source = static_cast<PngSource*>(png_get_io_ptr(png));
  if (n > source->size - source->pos) png_error(png, "unexpected end of data");
  std::memcpy(out, source->data + source->pos, n);
  source->pos += n;
}

void error_callback(png_structp png, png_const_charp message) {
  auto* source = static_cast<PngSource*>(png_get_error_ptr(png));
  std::snprintf(source->error, sizeof source->error, "%s", message);
  png_longjmp(png, 1);
}

// Warnings (e.g. a bad ancillary chunk CRC) leave a usable image; libpng would print them.
void warning_callback(png_structp, png_const_charp) {}

bool is_little_endian() {
  const uint16_t one = 1;
  uint8_t first = 0;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

/// The IFD0 Orientation of a PNG eXIf chunk (a bare TIFF structure), or 1 when absent or not
/// 1..8. Called inside the setjmp scope, but libpng cannot longjmp out of it: it only runs
/// libexif, so its locals are safe.
int exif_orientation(const uint8_t* tiff, png_uint_32 size) {
  if (tiff == nullptr || size < 8 || size > (1u << 24)) return 1;
  // libexif wants the "Exif\0\0" header a JPEG APP1 segment starts with.
  std::vector<unsigned char> buffer(size + 6);
  std::memcpy(buffer.data(), "Exif\0\0", 6);
  std::memcpy(buffer.data() + 6, tiff, size);
  return classflow::plugins::common::exif_block_orientation(buffer.data(), static_cast<unsigned int>(buffer.size()));
}

/// Reads the header into `header`, and with a `target` also the pixels. Returns 0 on success,
/// 1 on a libpng error (message in source->error), 2 when the target does not fit the image.
int run_libpng(PngSource* source, PngHeader* header, const PngTarget* target) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, source, &error_callback, &warning_callback);
  if (png == nullptr) {
    std::snprintf(source->error, sizeof source->error, "libpng could not start");
    return 1;
  }
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    std::snprintf(source->error, sizeof source->error, "libpng could not start");
    return 1;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return 1;
  }
  png_set_read_fn(png, source, &read_callback);
  png_read_info(png, info);

  header->width = png_get_image_width(png, info);
  header->height = png_get_image_height(png, info);
  header->bit_depth = png_get_bit_depth(png, info);
  header->color_type = png_get_color_type(png, info);
  header->has_trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
  png_uint_32 exif_size = 0;
  png_bytep exif = nullptr;
  header->orientation = png_get_eXIf_1(png, info, &exif_size, &exif) != 0 ? exif_orientation(exif, exif_size) : 1;

  if (target != nullptr) {
    const int type = header->color_type;
    if (type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (type == PNG_COLOR_TYPE_GRAY && header->bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (header->has_trns) png_set_tRNS_to_alpha(png);
    if (type == PNG_COLOR_TYPE_GRAY_ALPHA || (type == PNG_COLOR_TYPE_GRAY && header->has_trns))
      png_set_gray_to_rgb(png);
    if (header->bit_depth == 16) {
      if (!target->keep_16bit)
        png_set_scale_16(png);  // round(v * 255 / 65535): scaled, never clipped
      else if (is_little_endian())
        png_set_swap(png);  // PNG stores big-endian; the caller wants host order
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_image_height(png, info) != target->height || png_get_rowbytes(png, info) != target->row_bytes) {
      png_destroy_read_struct(&png, &info, nullptr);
      return 2;
    }
    png_read_image(png, target->rows);
  }
  png_destroy_read_struct(&png, &info, nullptr);
  return 0;
}

bool is_png(const uint8_t* data, std::size_t size) { return size >= 8 && png_sig_cmp(data, 0, 8) == 0; }

/// @throws DataError when the data is not a PNG or libpng fails, with libpng's reason.
PngHeader read_png(const uint8_t* data, std::size_t size, const PngTarget* target) {
  if (!is_png(data, size))
    throw DataError("data of '" + std::to_string(size) + "' bytes is not a PNG; expected the 8-byte PNG signature");
  PngSource source{data, size, 0, {0}};
  PngHeader header{};
  const int rc = run_libpng(&source, &header, target);
  if (rc == 1) throw DataError(std::string("truncated or corrupt PNG data: ") + source.error);
  if (rc == 2) throw InvalidArgument("image info does not match this PNG; expected the info plan returned");
  return header;
}

/// Gray 1, gray+alpha 4 (RGBA), RGB 3, RGBA 4, palette 3; a tRNS chunk adds alpha (4).
int channels_of(const PngHeader& header) {
  switch (header.color_type) {
    case PNG_COLOR_TYPE_GRAY:
      return header.has_trns ? 4 : 1;
    case PNG_COLOR_TYPE_RGB:
    case PNG_COLOR_TYPE_PALETTE:
      return header.has_trns ? 4 : 3;
    default:
      return 4;  // gray+alpha, RGBA
  }
}

ImageInfo plan_for(const PngHeader& header, const DecodeRequest& request) {
  ImageInfo info;
  info.width = static_cast<int32_t>(header.width);
  info.height = static_cast<int32_t>(header.height);
  info.out_width = info.width;  // PNG has no cheap downscaling: min_width is not used
  info.out_height = info.height;
  info.out_channels = channels_of(header);
  info.out_dtype = header.bit_depth == 16 && request.keep_16bit ? DType::uint16 : DType::uint8;
  info.orientation = request.apply_orientation ? header.orientation : 1;
  const int type = header.color_type;
  info.source_color = type == PNG_COLOR_TYPE_PALETTE                                    ? CF_COLOR_PALETTE
                      : (type == PNG_COLOR_TYPE_GRAY || type == PNG_COLOR_TYPE_GRAY_ALPHA) ? CF_COLOR_GRAY
                                                                                         : CF_COLOR_RGB;
  info.source_alpha = (type & PNG_COLOR_MASK_ALPHA) != 0 || header.has_trns;
  info.source_bits = header.bit_depth;
  return info;
}

class PngDecoder : public ImageDecoder {
 public:
  static constexpr const char* const extensions[] = {".png", nullptr};

  bool sniff(const uint8_t* data, std::size_t size) const override { return is_png(data, size); }

  ImageInfo plan(const uint8_t* data, std::size_t size, const DecodeRequest& request) const override {
    return plan_for(read_png(data, size, nullptr), request);
  }

  void decode(const uint8_t* data, std::size_t size, const DecodeRequest& request, const ImageInfo& info,
              void* out) const override {
    const std::size_t row_bytes =
        static_cast<std::size_t>(info.out_width) * info.out_channels * dtype_size(info.out_dtype);
    std::vector<png_bytep> rows(static_cast<std::size_t>(info.out_height));
    for (std::size_t y = 0; y < rows.size(); ++y) rows[y] = static_cast<png_bytep>(out) + y * row_bytes;
    const PngTarget target{request.keep_16bit ? 1 : 0, static_cast<png_uint_32>(info.out_height), row_bytes,
                           rows.data()};
    // libpng checks height and row size; width and channels must also be what plan said.
    const ImageInfo expected = plan_for(read_png(data, size, &target), request);
    if (expected.out_width != info.out_width || expected.out_channels != info.out_channels ||
        expected.out_dtype != info.out_dtype)
      throw InvalidArgument("image info does not match this PNG; expected the info plan returned");
  }
};

}  // namespace

CLASSFLOW_PLUGIN("classflow_decoder_png", CLASSFLOW_PLUGIN_VERSION, "MIT",
                 "PNG images through libpng (8/16-bit, palette, transparency, eXIf orientation)") {
  registrar.add_decoder<PngDecoder>("png",
                                    "uint8 (or uint16 with keep_16bit) gray, RGB or RGBA [H, W, C]; 16-bit scaled");
}
