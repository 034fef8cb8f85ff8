// Image decoder 'opencv': BMP, PPM/PGM/PBM/PNM, TIFF and WebP through OpenCV imgcodecs
// (cv::imdecode). Output: gray [H, W, 1], RGB [H, W, 3] or RGBA [H, W, 4]; uint8, or uint16
// for 16-bit files when keep_16bit is asked.
//
// plan() reads sizes without decoding, so max_image_pixels can reject a bomb before any pixel
// is allocated: BMP and PNM from the documented header fields (Microsoft BITMAPINFOHEADER /
// BITMAPCOREHEADER, netpbm's text header), TIFF with libtiff (TIFFClientOpenExt reads the
// first directory only), WebP with libwebp (WebPGetFeatures reads the RIFF/VP8 headers).
#include <classflow/sdk/plugin.hpp>

#include <dlfcn.h>
#include <tiffio.h>
#include <webp/decode.h>
#include <webp/demux.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>  // flag values only: the calls are in libclassflow_opencv_imdecode
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

namespace {

using ImdecodeFn = int (*)(const unsigned char*, std::size_t, cv::Mat*, char*, std::size_t);

// libclassflow_opencv_imdecode, next to this plugin, loaded on the first decode (thread-safe:
// a function-local static). It holds the only imgcodecs call (see imdecode.cpp).
ImdecodeFn imdecode() {
  static const std::pair<ImdecodeFn, std::string> loaded = []() -> std::pair<ImdecodeFn, std::string> {
    Dl_info self{};
    if (dladdr(reinterpret_cast<void*>(&imdecode), &self) == 0 || self.dli_fname == nullptr)
      return {nullptr, "cannot locate the opencv decoder plugin's own file"};
    std::string path = self.dli_fname;
    path = path.substr(0, path.find_last_of('/') + 1) + "libclassflow_opencv_imdecode.so";
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) return {nullptr, std::string(dlerror())};
    auto fn = reinterpret_cast<ImdecodeFn>(dlsym(handle, "classflow_opencv_imdecode"));
    if (fn == nullptr) return {nullptr, path + " has no classflow_opencv_imdecode"};
    return {fn, ""};
  }();
  if (loaded.first == nullptr)
    throw classflow::sdk::Error(CF_ERROR_UNSUPPORTED, "the OpenCV imgcodecs helper cannot be loaded (" + loaded.second +
                                          "); expected libclassflow_opencv_imdecode.so installed next to "
                                          "classflow_decoder_opencv.so");
  return loaded.first;
}

using namespace classflow::sdk;

enum class Format { none, bmp, pnm, tiff, webp };

const char* format_name(Format format) {
  switch (format) {
    case Format::bmp:
      return "BMP";
    case Format::pnm:
      return "PNM";
    case Format::tiff:
      return "TIFF";
    case Format::webp:
      return "WebP";
    case Format::none:
      break;
  }
  return "image";
}

uint32_t le32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }

/// The format whose magic bytes start `data`: "BM" plus a known DIB header size; "P1".."P6"
/// plus whitespace; "II*\0" or "MM\0*"; "RIFF" <size> "WEBP".
Format sniff_format(const uint8_t* data, std::size_t size) {
  if (size >= 18 && data[0] == 'B' && data[1] == 'M') {
    // "BM" alone is too weak a signature; the DIB header size names a real BMP variant.
    const uint32_t dib = le32(data + 14);
    if (dib == 12 || dib == 40 || dib == 52 || dib == 56 || dib == 64 || dib == 108 || dib == 124)
      return Format::bmp;
  }
  if (size >= 3 && data[0] == 'P' && data[1] >= '1' && data[1] <= '6' && std::isspace(data[2]) != 0)
    return Format::pnm;
  if (size >= 4 && ((std::memcmp(data, "II*\0", 4) == 0) || std::memcmp(data, "MM\0*", 4) == 0))
    return Format::tiff;
  if (size >= 12 && std::memcmp(data, "RIFF", 4) == 0 && std::memcmp(data + 8, "WEBP", 4) == 0)
    return Format::webp;
  return Format::none;
}

/// What plan learns from a header: stored size, the channels and bit depth OpenCV will return
/// with IMREAD_UNCHANGED, and the value that maps to 255 when 16-bit samples become 8-bit.
struct Header {
  Format format = Format::none;
  int width = 0;
  int height = 0;
  int channels = 3;
  int bits = 8;                 ///< 8 or 16 (per sample)
  double max_value_16 = 65535;  ///< PNM: maxval; otherwise 65535
  std::size_t min_size = 0;     ///< bytes the header says the file has (BMP, PNM, WebP); 0 unknown
  bool animated = false;        ///< WebP with an ANIM chunk: its first frame, as Pillow opens it
  char pnm_kind = 0;            ///< PNM: '1'..'6' (P1..P6)
};

[[noreturn]] void corrupt(Format format, const std::string& reason) {
  throw DataError(std::string("truncated or corrupt ") + format_name(format) + " data: " + reason);
}

// BMP: BITMAPFILEHEADER (14 bytes), then the DIB header whose first field is its own size.
Header read_bmp(const uint8_t* data, std::size_t size) {
  Header h;
  h.format = Format::bmp;
  const uint32_t dib = le32(data + 14);
  if (size < 14 + std::size_t{dib}) corrupt(h.format, "the header ends early");
  int bpp = 0;
  uint32_t compression = 0, colors_used = 0, alpha_mask = 0;
  std::size_t palette_entry = 4;
  if (dib == 12) {  // BITMAPCOREHEADER: 16-bit sizes, 3-byte palette entries
    h.width = le16(data + 18);
    h.height = le16(data + 20);
    bpp = le16(data + 24);
    palette_entry = 3;
  } else {  // BITMAPINFOHEADER and its V2..V5 extensions
    h.width = static_cast<int32_t>(le32(data + 18));
    const auto height = static_cast<int32_t>(le32(data + 22));  // negative: rows top-down
    h.height = height == INT32_MIN ? 0 : (height < 0 ? -height : height);
    bpp = le16(data + 28);
    compression = le32(data + 30);
    colors_used = le32(data + 46);
    if (dib >= 56) alpha_mask = le32(data + 66);
  }
  if (compression == 0 || compression == 3) {  // BI_RGB, BI_BITFIELDS: rows of fixed size
    const std::size_t stride = (static_cast<std::size_t>(std::max(h.width, 0)) * bpp + 31) / 32 * 4;
    if (__builtin_mul_overflow(stride, static_cast<std::size_t>(std::max(h.height, 0)), &h.min_size) ||
        __builtin_add_overflow(h.min_size, std::size_t{le32(data + 10)}, &h.min_size))
      corrupt(h.format, "size '" + std::to_string(h.width) + "x" + std::to_string(h.height) +
                            "' is too large; expected a real image");
  }
  if (h.width <= 0 || h.height <= 0)
    corrupt(h.format, "size '" + std::to_string(h.width) + "x" + std::to_string(h.height) +
                          "' is invalid; expected positive width and height");
  if (bpp <= 8) {
    if (bpp != 1 && bpp != 4 && bpp != 8)
      corrupt(h.format,
              "bit count '" + std::to_string(bpp) + "' is invalid; expected 1, 4, 8, 16, 24 or 32");
    // OpenCV returns one channel when every palette entry is gray (as it does for grayscale
    // BMPs), three otherwise.
    const std::size_t entries =
        std::min<std::size_t>(colors_used == 0 ? (1u << bpp) : colors_used, 1u << bpp);
    const std::size_t at = 14 + std::size_t{dib};
    if (size < at + entries * palette_entry) corrupt(h.format, "the palette ends early");
    bool gray = true;
    for (std::size_t i = 0; i < entries && gray; ++i) {
      const uint8_t* e = data + at + i * palette_entry;  // B, G, R[, reserved]
      gray = e[0] == e[1] && e[1] == e[2];
    }
    h.channels = gray ? 1 : 3;
  } else if (bpp == 16 || bpp == 24) {
    h.channels = 3;
  } else if (bpp == 32) {
    // Pillow reads 32-bit BI_RGB as BGRX (the 4th byte is padding, often 0); only a V4/V5 header
    // with an alpha mask and bit fields (3) or alpha bit fields (6) really carries alpha.
    h.channels = alpha_mask != 0 && (compression == 3 || compression == 6) ? 4 : 3;
  } else {
    corrupt(h.format,
            "bit count '" + std::to_string(bpp) + "' is invalid; expected 1, 4, 8, 16, 24 or 32");
  }
  return h;
}

// PNM (netpbm): "P<n>", then width, height and (except P1/P4) maxval as ASCII decimals
// separated by whitespace, with '#' comments running to the end of a line.
Header read_pnm(const uint8_t* data, std::size_t size) {
  Header h;
  h.format = Format::pnm;
  const char kind = static_cast<char>(data[1]);
  std::size_t pos = 2;
  auto next_number = [&](const char* field) -> long {
    while (pos < size) {
      if (data[pos] == '#') {
        while (pos < size && data[pos] != '\n' && data[pos] != '\r') ++pos;
      } else if (std::isspace(data[pos]) != 0) {
        ++pos;
      } else {
        break;
      }
    }
    // Every digit, leading zeros too: OpenCV reads "00000000020531" as 20531, and a size read
    // otherwise (2, after ten digits) would let a 780-Mpx image past max_image_pixels (found by
    // the fuzzer: OpenCV then allocated 2.3 GB). The value saturates past INT32_MAX.
    long value = 0;
    std::size_t digits = 0;
    while (pos < size && std::isdigit(data[pos]) != 0) {
      if (value <= INT32_MAX) value = value * 10 + (data[pos] - '0');
      ++pos;
      ++digits;
    }
    if (digits == 0 || value > INT32_MAX)
      corrupt(h.format, std::string("header field '") + field +
                            "' is missing or not a number; expected a positive decimal");
    return value;
  };
  h.width = static_cast<int>(next_number("width"));
  h.height = static_cast<int>(next_number("height"));
  const bool bitmap = kind == '1' || kind == '4';
  const long maxval = bitmap ? 1 : next_number("maxval");
  if (h.width <= 0 || h.height <= 0)
    corrupt(h.format, "size '" + std::to_string(h.width) + "x" + std::to_string(h.height) +
                          "' is invalid; expected positive width and height");
  if (maxval < 1 || maxval > 65535)
    corrupt(h.format, "maxval '" + std::to_string(maxval) + "' is out of range; expected 1..65535");
  h.channels = kind == '3' || kind == '6' ? 3 : 1;
  // 8-bit samples are brought to 0..255 after decoding (pillow_pnm_levels); 16-bit ones come raw, 0..maxval.
  h.bits = maxval > 255 ? 16 : 8;
  h.max_value_16 = static_cast<double>(maxval);
  h.pnm_kind = kind;
  // Binary samples start after exactly one whitespace byte: OpenCV would read a comment there as
  // pixels (and Pillow refuses it), so it is refused here rather than decoded shifted.
  if ((kind == '5' || kind == '6') && (pos >= size || std::isspace(data[pos]) == 0))
    corrupt(h.format, "header field 'maxval' is not followed by one whitespace byte; expected the pixels right after it");
  // Binary variants: one whitespace byte after the last header number, then fixed-size rows.
  const std::size_t pixels = static_cast<std::size_t>(h.width) * static_cast<std::size_t>(h.height);
  if (kind == '4')
    h.min_size = pos + 1 + (static_cast<std::size_t>(h.width) + 7) / 8 * h.height;
  else if (kind == '5' || kind == '6')
    h.min_size = pos + 1 + pixels * h.channels * (h.bits / 8);
  return h;
}

/// An in-memory file for libtiff's client I/O, and the first error libtiff reported.
struct TiffMemory {
  const uint8_t* data;
  toff_t size;
  toff_t pos;
  char error[512];
};

tmsize_t tiff_read(thandle_t handle, void* buffer, tmsize_t n) {
  auto* m = static_cast<TiffMemory*>(handle);
  const toff_t left = m->pos < m->size ? m->size - m->pos : 0;
  const auto count = static_cast<toff_t>(n) < left ? static_cast<toff_t>(n) : left;
  std::memcpy(buffer, m->data + m->pos, static_cast<std::size_t>(count));
  m->pos += count;
  return static_cast<tmsize_t>(count);
}
tmsize_t tiff_write(thandle_t, void*, tmsize_t) { return 0; }
toff_t tiff_seek(thandle_t handle, toff_t offset, int whence) {
  auto* m = static_cast<TiffMemory*>(handle);
  if (whence == SEEK_CUR) offset += m->pos;
  if (whence == SEEK_END) offset += m->size;
  m->pos = offset;
  return offset;
}
int tiff_close(thandle_t) { return 0; }
toff_t tiff_size(thandle_t handle) { return static_cast<TiffMemory*>(handle)->size; }
int tiff_map(thandle_t handle, void** base, toff_t* size) {
  auto* m = static_cast<TiffMemory*>(handle);
  *base = const_cast<uint8_t*>(m->data);  // read-only use: the file is opened with "r"
  *size = m->size;
  return 1;
}
void tiff_unmap(thandle_t, void*, toff_t) {}
int tiff_error(TIFF*, void* user, const char* module, const char* format, va_list args) {
  auto* m = static_cast<TiffMemory*>(user);
  if (m->error[0] == '\0') {
    const int n = std::snprintf(m->error, sizeof m->error, "%s: ", module ? module : "libtiff");
    if (n > 0 && static_cast<std::size_t>(n) < sizeof m->error)
      std::vsnprintf(m->error + n, sizeof m->error - n, format, args);
  }
  return 1;  // handled: keeps libtiff from printing to stderr
}
int tiff_warning(TIFF*, void*, const char*, const char*, va_list) { return 1; }

Header read_tiff(const uint8_t* data, std::size_t size) {
  Header h;
  h.format = Format::tiff;
  TiffMemory memory{data, static_cast<toff_t>(size), 0, {0}};
  TIFFOpenOptions* options = TIFFOpenOptionsAlloc();
  if (options == nullptr) throw Error(CF_ERROR_INTERNAL, "libtiff could not allocate options");
  TIFFOpenOptionsSetErrorHandlerExtR(options, &tiff_error, &memory);
  TIFFOpenOptionsSetWarningHandlerExtR(options, &tiff_warning, &memory);
  TIFF* tiff = TIFFClientOpenExt("memory", "r", &memory, &tiff_read, &tiff_write, &tiff_seek,
                                 &tiff_close, &tiff_size, &tiff_map, &tiff_unmap, options);
  TIFFOpenOptionsFree(options);
  if (tiff == nullptr)
    corrupt(h.format, memory.error[0] != '\0' ? memory.error : "libtiff could not open it");
  uint32_t width = 0, height = 0;
  uint16_t photometric = PHOTOMETRIC_MINISBLACK, bits = 1, samples = 1,
           sample_format = SAMPLEFORMAT_UINT;
  const bool has_size = TIFFGetField(tiff, TIFFTAG_IMAGEWIDTH, &width) == 1 &&
                        TIFFGetField(tiff, TIFFTAG_IMAGELENGTH, &height) == 1;
  TIFFGetField(tiff, TIFFTAG_PHOTOMETRIC, &photometric);
  TIFFGetFieldDefaulted(tiff, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted(tiff, TIFFTAG_SAMPLESPERPIXEL, &samples);
  TIFFGetFieldDefaulted(tiff, TIFFTAG_SAMPLEFORMAT, &sample_format);
  TIFFClose(tiff);
  if (!has_size || width == 0 || height == 0 || width > INT32_MAX || height > INT32_MAX)
    corrupt(h.format, "the image size is missing or invalid");
  h.width = static_cast<int>(width);
  h.height = static_cast<int>(height);
  if (bits > 16 || sample_format == SAMPLEFORMAT_IEEEFP)
    throw Error(CF_ERROR_UNSUPPORTED, "TIFF sample type '" + std::to_string(bits) + "-bit" +
                                          (sample_format == SAMPLEFORMAT_IEEEFP ? " float" : "") +
                                          "' is not supported; expected 1 to 16-bit integers");
  // The channels OpenCV returns with IMREAD_UNCHANGED: gray stays 1 (alpha dropped), a
  // palette becomes 3, other photometrics keep 3 or 4 samples; it reads > 8 bits only for
  // gray or RGB(A).
  const bool gray = photometric == PHOTOMETRIC_MINISBLACK || photometric == PHOTOMETRIC_MINISWHITE;
  if (gray)
    h.channels = 1;
  else if (photometric == PHOTOMETRIC_PALETTE)
    h.channels = 3;
  else
    h.channels = samples >= 4 ? 4 : 3;
  h.bits = bits > 8 && (gray || photometric == PHOTOMETRIC_RGB) &&
                   (samples == 1 || samples == 3 || samples == 4)
               ? 16
               : 8;
  return h;
}

Header read_webp(const uint8_t* data, std::size_t size) {
  Header h;
  h.format = Format::webp;
  WebPBitstreamFeatures features;
  const VP8StatusCode status = WebPGetFeatures(data, size, &features);
  if (status != VP8_STATUS_OK)
    corrupt(h.format,
            "libwebp could not read the header (VP8 status " + std::to_string(status) + ")");
  h.width = features.width;  // the canvas, for an animation
  h.height = features.height;
  h.channels = features.has_alpha ? 4 : 3;
  h.animated = features.has_animation != 0;
  h.min_size = std::size_t{le32(data + 4)} + 8;  // the RIFF size counts what follows its field
  return h;
}

/// @throws DataError when the data is none of the formats or its header is invalid.
Header read_header(const uint8_t* data, std::size_t size) {
  switch (sniff_format(data, size)) {
    case Format::bmp:
      return read_bmp(data, size);
    case Format::pnm:
      return read_pnm(data, size);
    case Format::tiff:
      return read_tiff(data, size);
    case Format::webp:
      return read_webp(data, size);
    case Format::none:
      break;
  }
  throw DataError("data of '" + std::to_string(size) +
                  "' bytes is not a BMP, PNM, TIFF or WebP image; expected one of their "
                  "signatures (BM, P1-P6, II*, MM*, RIFF....WEBP)");
}

ImageInfo plan_for(const Header& header, const DecodeRequest& request) {
  ImageInfo info;
  info.width = header.width;
  info.height = header.height;
  info.out_width = header.width;  // no cheap downscaling in these codecs: min_width is unused
  info.out_height = header.height;
  info.out_channels = header.channels;
  info.out_dtype = header.bits == 16 && request.keep_16bit ? DType::uint16 : DType::uint8;
  info.orientation = 1;  // TIFF and WebP orientation tags are not read yet
  // What the header told: gray or colour, alpha, depth (palettes and CMYK are not told apart).
  info.source_color = header.channels == 1 ? CF_COLOR_GRAY : CF_COLOR_RGB;
  info.source_alpha = header.channels == 4;
  info.source_bits = header.bits;
  return info;
}

/// The first frame of an animated WebP as Pillow shows it (Image.open of an animation): libwebp's
/// animation decoder composites it on a transparent canvas of the animation's size (OpenCV 4.6
/// cannot read animations at all). RGBA; dropped to RGB for an animation without alpha.
/// @throws DataError when libwebp cannot read the animation or its canvas is not the header's.
void decode_first_frame(const uint8_t* data, std::size_t size, const ImageInfo& info, uint8_t* out) {
  WebPAnimDecoderOptions options;
  if (!WebPAnimDecoderOptionsInit(&options)) corrupt(Format::webp, "libwebp's animation decoder could not start");
  options.color_mode = MODE_RGBA;
  options.use_threads = 0;  // the loader's workers are the threads
  const WebPData bytes{data, size};
  std::unique_ptr<WebPAnimDecoder, void (*)(WebPAnimDecoder*)> decoder(WebPAnimDecoderNew(&bytes, &options),
                                                                       WebPAnimDecoderDelete);
  if (!decoder) corrupt(Format::webp, "libwebp could not read the animation");
  WebPAnimInfo anim;
  if (!WebPAnimDecoderGetInfo(decoder.get(), &anim) || static_cast<int>(anim.canvas_width) != info.out_width ||
      static_cast<int>(anim.canvas_height) != info.out_height)
    corrupt(Format::webp, "the animation's canvas differs from the header's size");
  uint8_t* canvas = nullptr;
  int timestamp = 0;
  if (!WebPAnimDecoderGetNext(decoder.get(), &canvas, &timestamp) || canvas == nullptr)
    corrupt(Format::webp, "libwebp could not decode the animation's first frame");
  const std::size_t pixels = static_cast<std::size_t>(info.out_width) * static_cast<std::size_t>(info.out_height);
  if (info.out_channels == 4) {
    std::memcpy(out, canvas, pixels * 4);
  } else {
    for (std::size_t i = 0; i < pixels; ++i) std::memcpy(out + i * 3, canvas + i * 4, 3);
  }
}

/// An 8-bit PNM with maxval below 255 in Pillow's levels: round(v * 255 / maxval), halves to even
/// (verified against Pillow 9.4 for every maxval 1..254). OpenCV gives binary samples raw and
/// ASCII ones as floor(v * 255 / maxval), which is one-to-one, so both are mapped back to v first.
cv::Mat pillow_pnm_levels(const cv::Mat& image, const Header& header) {
  const int m = static_cast<int>(header.max_value_16);  // a PNM's maxval
  if (image.depth() != CV_8U || m >= 255 || m < 1 || header.pnm_kind == '1' || header.pnm_kind == '4') return image;
  const bool ascii = header.pnm_kind == '2' || header.pnm_kind == '3';
  // The sample OpenCV's value stands for: binary, itself (above maxval: maxval); ASCII, the raw
  // value whose floor(raw * 255 / m) it is (OpenCV clamps ASCII samples to maxval first).
  const auto sample = [&](int got) {
    if (!ascii) return std::min(got, m);
    for (int raw = 0; raw <= m; ++raw)
      if (raw * 255 / m == got) return raw;
    return m;
  };
  cv::Mat table(1, 256, CV_8U);
  for (int got = 0; got < 256; ++got)
    table.at<uint8_t>(0, got) = static_cast<uint8_t>(std::nearbyint(sample(got) * 255.0 / m));
  cv::Mat out;
  cv::LUT(image, table, out);
  return out;
}

/// `image` (as imdecode returned it, BGR order) turned into `channels` RGB-ordered channels.
cv::Mat to_rgb_channels(const cv::Mat& image, int channels) {
  if (image.channels() == 2) {  // gray + alpha: keep the gray, as OpenCV itself does for TIFF
    cv::Mat gray;
    cv::extractChannel(image, gray, 0);
    return to_rgb_channels(gray, channels);
  }
  static constexpr int none = -1;
  // OpenCV's channel count -> the planned one (1, 3 or 4).
  auto code = [](int from, int to) -> int {
    if (from == 1) return to == 3 ? cv::COLOR_GRAY2RGB : to == 4 ? cv::COLOR_GRAY2RGBA : none;
    if (from == 3)
      return to == 1 ? cv::COLOR_BGR2GRAY : to == 3 ? cv::COLOR_BGR2RGB : cv::COLOR_BGR2RGBA;
    if (from == 4)
      return to == 1 ? cv::COLOR_BGRA2GRAY : to == 3 ? cv::COLOR_BGRA2RGB : cv::COLOR_BGRA2RGBA;
    return none;
  };
  const int c = code(image.channels(), channels);
  if (c == none) return image;  // 1 -> 1
  cv::Mat converted;
  cv::cvtColor(image, converted, c);
  return converted;
}

/// @throws DataError when the data ends before the bytes its header declares.
void require_data(const Header& header, std::size_t size) {
  if (size < header.min_size)
    corrupt(header.format, "data of '" + std::to_string(size) + "' bytes ends before the " +
                               std::to_string(header.min_size) + " bytes its header needs");
}

class OpenCvDecoder : public ImageDecoder {
 public:
  static constexpr const char* const extensions[] = {".bmp", ".dib", ".ppm",  ".pgm",  ".pbm",
                                                     ".pnm", ".tif", ".tiff", ".webp", nullptr};

  bool sniff(const uint8_t* data, std::size_t size) const override {
    return sniff_format(data, size) != Format::none;
  }

  ImageInfo plan(const uint8_t* data, std::size_t size,
                 const DecodeRequest& request) const override {
    const Header header = read_header(data, size);
    // At plan, before the host allocates the output: a 118-byte file declaring 12000x12000
    // must not cost 400 MB first.
    require_data(header, size);
    return plan_for(header, request);
  }

  void decode(const uint8_t* data, std::size_t size, const DecodeRequest& request,
              const ImageInfo& info, void* out) const override {
    const Header header = read_header(data, size);
    const ImageInfo expected = plan_for(header, request);
    if (info.out_width != expected.out_width || info.out_height != expected.out_height ||
        info.out_channels != expected.out_channels || info.out_dtype != expected.out_dtype)
      throw InvalidArgument("image info does not match this " +
                            std::string(format_name(header.format)) +
                            " image; expected the info plan returned");
    // Checked here, not left to OpenCV, which prints its own complaint to stderr.
    require_data(header, size);
    if (header.animated) {
      decode_first_frame(data, size, info, static_cast<uint8_t*>(out));
      return;
    }
    cv::Mat image;
    char error[512] = {0};
    if (imdecode()(data, size, &image, error, sizeof error) != 0) corrupt(header.format, error);
    if (image.empty()) corrupt(header.format, "OpenCV could not decode it");
    if (image.cols != info.out_width || image.rows != info.out_height)
      corrupt(header.format, "decoded size '" + std::to_string(image.cols) + "x" +
                                 std::to_string(image.rows) + "' differs from the header's " +
                                 std::to_string(info.out_width) + "x" +
                                 std::to_string(info.out_height));
    if (image.depth() != CV_8U && image.depth() != CV_16U)
      throw Error(CF_ERROR_UNSUPPORTED, std::string(format_name(header.format)) +
                                            " sample depth '" + std::to_string(image.depth()) +
                                            "' (OpenCV depth code) is not supported; expected "
                                            "8 or 16-bit unsigned samples");
    // The header's channel count is what plan promised; convert whatever OpenCV chose to it.
    if (header.format == Format::pnm) image = pillow_pnm_levels(image, header);
    cv::Mat rgb = to_rgb_channels(image, info.out_channels);
    const bool want_16 = info.out_dtype == DType::uint16;
    cv::Mat result(info.out_height, info.out_width,
                   CV_MAKETYPE(want_16 ? CV_16U : CV_8U, info.out_channels), out);
    if (rgb.depth() == CV_16U && !want_16)
      rgb.convertTo(result, CV_8U, 255.0 / header.max_value_16);  // rounds; scaled, never clipped
    else if (rgb.depth() == CV_8U && want_16)
      rgb.convertTo(result, CV_16U, 257.0);  // only if OpenCV read fewer bits than the header
    else
      rgb.copyTo(result);
    if (result.data != out)  // a reallocation would mean a size or type mismatch above
      throw Error(CF_ERROR_INTERNAL, "decoded image did not fit the planned buffer");
  }
};

}  // namespace

CLASSFLOW_PLUGIN("classflow_decoder_opencv", CLASSFLOW_PLUGIN_VERSION, "MIT",
                 "BMP, PPM/PGM/PBM, TIFF and WebP images through OpenCV imgcodecs") {
  registrar.add_decoder<OpenCvDecoder>(
      "opencv", "uint8 (or uint16 with keep_16bit) gray, RGB or RGBA [H, W, C]; 16-bit scaled");
}
