// Image decoder 'jpeg': libjpeg-turbo's TurboJPEG API (DCT-domain downscaling, CMYK) and libexif
// for the EXIF orientation. Output: uint8 gray [H, W, 1] or RGB [H, W, 3].
#include <classflow/sdk/plugin.hpp>

#include <turbojpeg.h>

#include <common/exif_orientation.hpp>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using namespace classflow::sdk;

/// A TurboJPEG decompressor. Decoders are shared by all worker threads, so each thread keeps its
/// own (thread_local_handle): creating one per call costs allocations and page faults on every
/// image.
class TjDecompressor {
 public:
  /// @throws Error (CF_ERROR_INTERNAL) when TurboJPEG cannot allocate a handle.
  TjDecompressor() : handle_(tjInitDecompress()) {
    if (handle_ == nullptr)
      throw Error(CF_ERROR_INTERNAL, std::string("TurboJPEG decompressor could not start: ") + tjGetErrorStr2(nullptr));
  }
  ~TjDecompressor() { tjDestroy(handle_); }
  TjDecompressor(const TjDecompressor&) = delete;
  TjDecompressor& operator=(const TjDecompressor&) = delete;

  tjhandle get() const noexcept { return handle_; }

 private:
  tjhandle handle_;
};

/// This thread's decompressor, created on first use (glibc keeps the library loaded until the
/// thread's destructors have run). @throws Error when TurboJPEG cannot allocate it.
std::unique_ptr<TjDecompressor>& thread_local_slot() {
  thread_local std::unique_ptr<TjDecompressor> tj;
  return tj;
}
tjhandle thread_local_handle() {
  auto& tj = thread_local_slot();
  if (!tj) tj = std::make_unique<TjDecompressor>();
  return tj->get();
}
/// Drops this thread's decompressor: after a failed or warned-about decode TurboJPEG 2.x leaves
/// the handle in a state that breaks the next image, so the next call starts a fresh one.
void reset_thread_local_handle() noexcept { thread_local_slot().reset(); }

/// Runs f, resetting this thread's decompressor if it throws.
template <class F>
auto with_fresh_handle_on_error(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (...) {
    reset_thread_local_handle();
    throw;
  }
}

/// What the JPEG header says, plus the orientation from its APP1 Exif segment.
struct JpegHeader {
  int width = 0;
  int height = 0;
  int colorspace = TJCS_YCbCr;  ///< a TJCS value
  int orientation = 1;          ///< EXIF orientation 1..8, 1 when absent or invalid
  bool warned = false;          ///< TurboJPEG warned reading the header (the handle needs replacing)
};

/// The payload of the first APP1 segment that starts with "Exif\0\0" (the Exif header libexif
/// expects), found by walking the marker segments up to the first scan; empty if none.
std::pair<const uint8_t*, std::size_t> find_exif_segment(const uint8_t* data, std::size_t size) {
  std::size_t pos = 2;  // after SOI
  while (pos + 4 <= size) {
    if (data[pos] != 0xFF) return {nullptr, 0};  // not at a marker: give up, Exif is optional
    const uint8_t marker = data[pos + 1];
    if (marker == 0xFF) {  // fill byte before a marker
      ++pos;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) return {nullptr, 0};   // SOS or EOI: no more headers
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {  // markers without a length
      pos += 2;
      continue;
    }
    const std::size_t length = (std::size_t{data[pos + 2]} << 8) | data[pos + 3];
    if (length < 2 || pos + 2 + length > size) return {nullptr, 0};
    const uint8_t* payload = data + pos + 4;
    const std::size_t payload_size = length - 2;
    if (marker == 0xE1 && payload_size >= 6 && std::memcmp(payload, "Exif\0\0", 6) == 0) return {payload, payload_size};
    pos += 2 + length;
  }
  return {nullptr, 0};
}

/// The IFD0 Orientation tag (0x0112) of an Exif APP1 payload, or 1 when absent or not 1..8.
int exif_orientation(const uint8_t* payload, std::size_t size) {
  if (payload == nullptr || size > 0xFFFF) return 1;
  return classflow::plugins::common::exif_block_orientation(payload, static_cast<unsigned int>(size));
}

/// True when the data holds an end-of-image marker after its first scan. libjpeg pads data that
/// ends early with gray and warns "Premature end of JPEG file", but TurboJPEG keeps the text of
/// the first warning only: after any earlier warning, a file cut short would pass as whole. So
/// the stream is walked here: marker segments by their lengths, entropy-coded data up to the next
/// marker (FF 00 is a stuffed byte, FF D0..D7 a restart, FF FF fill).
bool has_end_of_image(const uint8_t* data, std::size_t size) {
  std::size_t pos = 2;  // after SOI
  bool in_scan = false;
  while (pos + 1 < size) {
    if (data[pos] != 0xFF) {  // entropy-coded data, or stray bytes before a marker (libjpeg skips both)
      ++pos;
      continue;
    }
    const uint8_t marker = data[pos + 1];
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (marker == 0xD9) return in_scan;  // EOI (before any scan, libjpeg fails on its own)
    if (in_scan && (marker == 0x00 || (marker >= 0xD0 && marker <= 0xD7))) {
      pos += 2;  // a stuffed 0xFF or a restart marker, inside the entropy-coded data
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {  // markers without a length
      pos += 2;
      continue;
    }
    if (pos + 3 >= size) return false;
    const std::size_t length = (std::size_t{data[pos + 2]} << 8) | data[pos + 3];
    if (length < 2) return false;
    pos += 2 + length;
    in_scan = marker == 0xDA;  // the entropy-coded data follows an SOS header
  }
  return false;
}

bool is_jpeg(const uint8_t* data, std::size_t size) {
  return size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF;
}

/// True when TurboJPEG's last failure must fail the decode: any fatal error, and the warning
/// libjpeg gives for data that ends early (it would otherwise pad the image with gray). Pillow
/// fails on the same ("broken data stream") and lets the other warnings pass.
/// TurboJPEG 2.x reports a fatal error as TJERR_WARNING when a warning came first in the same
/// image (e.g. extraneous bytes, then an unknown marker that stops the decode with half the rows
/// gray), so the message decides: libjpeg outputs only its first warning, and a fatal error
/// always replaces it. The texts are libjpeg's JWRN_* messages (jerror.h); any other is fatal.
bool is_decode_failure(tjhandle handle) {
  if (tjGetErrorCode(handle) == TJERR_FATAL) return true;
  const std::string_view message = tjGetErrorStr2(handle);
  if (message.find("Premature end") != std::string_view::npos) return true;
  static constexpr std::string_view kWarnings[] = {"Corrupt JPEG data:",
                                                   "Warning:",
                                                   "Unknown Adobe color transform code",
                                                   "Inconsistent progression sequence",
                                                   "Invalid SOS parameters for sequential JPEG",
                                                   "Application transferred too many scanlines"};
  for (std::string_view w : kWarnings)
    if (message.substr(0, w.size()) == w) return false;
  return true;
}

/// @throws DataError when the data is not a JPEG or its header cannot be read.
JpegHeader read_header(tjhandle handle, const uint8_t* data, std::size_t size) {
  if (!is_jpeg(data, size))
    throw DataError("data of '" + std::to_string(size) + "' bytes is not a JPEG; expected it to start with FF D8 FF");
  JpegHeader header;
  int subsampling = 0;
  // A warning while reading the header (extraneous bytes before a marker, an unknown JFIF
  // revision) leaves a readable image, as in Pillow; only a fatal error is one. The caller starts
  // a fresh handle after a warning (TurboJPEG 2.x leaves it unusable).
  if (tjDecompressHeader3(handle, data, static_cast<unsigned long>(size), &header.width, &header.height, &subsampling,
                          &header.colorspace) != 0) {
    if (is_decode_failure(handle))
      throw DataError(std::string("truncated or corrupt JPEG data: ") + tjGetErrorStr2(handle));
    header.warned = true;
  }
  // Data that ends before the frame header can pass as a 0x0 image: refuse it here, never an
  // empty image delivered with a label.
  if (header.width < 1 || header.height < 1)
    throw DataError("truncated or corrupt JPEG data: no frame header before the data ends (size " +
                    std::to_string(header.width) + "x" + std::to_string(header.height) +
                    "); expected a complete JPEG");
  auto [exif, exif_size] = find_exif_segment(data, size);
  header.orientation = exif_orientation(exif, exif_size);
  return header;
}

bool is_cmyk(int colorspace) { return colorspace == TJCS_CMYK || colorspace == TJCS_YCCK; }

/// The output for `request`: gray stays 1 channel, colour and CMYK become RGB. With both
/// min_width and min_height > 0 the image is reduced by the largest of 1/2, 1/4, 1/8 that keeps
/// it at least that large; M/8 factors are never used (slower than a full decode here).
/// The minimum applies to the oriented image: with an orientation that swaps axes (5..8) the
/// stored width must cover min_height, since only the decoder knows the orientation at plan.
ImageInfo plan_for(const JpegHeader& header, const DecodeRequest& request) {
  ImageInfo info;
  info.width = header.width;
  info.height = header.height;
  info.out_channels = header.colorspace == TJCS_GRAY ? 1 : 3;
  info.out_dtype = DType::uint8;
  info.source_color = header.colorspace == TJCS_GRAY ? CF_COLOR_GRAY : is_cmyk(header.colorspace) ? CF_COLOR_CMYK : CF_COLOR_RGB;
  info.source_bits = 8;  // TurboJPEG reads 8-bit JPEGs only (12-bit ones fail at the header)
  info.orientation = request.apply_orientation ? header.orientation : 1;
  info.out_width = header.width;
  info.out_height = header.height;
  if (request.min_width > 0 && request.min_height > 0) {
    const bool swaps_axes = info.orientation >= 5;
    const int need_w = swaps_axes ? request.min_height : request.min_width;
    const int need_h = swaps_axes ? request.min_width : request.min_height;
    for (int denom : {8, 4, 2}) {  // smallest output first
      const tjscalingfactor factor{1, denom};
      const int w = TJSCALED(header.width, factor);
      const int h = TJSCALED(header.height, factor);
      if (w >= need_w && h >= need_h) {
        info.out_width = w;
        info.out_height = h;
        break;
      }
    }
  }
  return info;
}

/// Pillow's CMYK -> RGB (libImaging/Convert.c cmyk2rgb): channel = nk - c*nk/255 with nk = 255 - k,
/// the product rounded as MULDIV255. `in` holds libjpeg's raw samples, which Pillow reads as
/// Adobe-inverted CMYK ("CMYK;I") for every 4-component JPEG, as Photoshop and Pillow write them;
/// so ink = 255 - raw is undone first.
void cmyk_to_rgb(const uint8_t* in, uint8_t* out, std::size_t num_pixels) {
  for (std::size_t i = 0; i < num_pixels; ++i, in += 4, out += 3) {
    const int nk = in[3];  // 255 - ink k, with ink k = 255 - raw k
    for (int c = 0; c < 3; ++c) {
      const int ink = 255 - in[c];
      const int tmp = ink * nk + 128;
      const int product = ((tmp >> 8) + tmp) >> 8;  // MULDIV255
      const int v = nk - product;
      out[c] = static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
    }
  }
}

class JpegDecoder : public ImageDecoder {
 public:
  static constexpr const char* const extensions[] = {".jpg", ".jpeg", ".jpe", ".jfif", nullptr};

  bool sniff(const uint8_t* data, std::size_t size) const override { return is_jpeg(data, size); }

  ImageInfo plan(const uint8_t* data, std::size_t size, const DecodeRequest& request) const override {
    return with_fresh_handle_on_error([&] {
      const JpegHeader header = read_header(thread_local_handle(), data, size);
      if (header.warned) reset_thread_local_handle();
      return plan_for(header, request);
    });
  }

  void decode(const uint8_t* data, std::size_t size, const DecodeRequest& request, const ImageInfo& info,
              void* out) const override {
    with_fresh_handle_on_error([&] { decode_with(thread_local_handle(), data, size, request, info, out); });
  }

 private:
  static void decode_with(tjhandle tj, const uint8_t* data, std::size_t size, const DecodeRequest& request,
                          const ImageInfo& info, void* out) {
    const JpegHeader header = read_header(tj, data, size);
    if (header.warned) {
      reset_thread_local_handle();
      tj = thread_local_handle();
    }
    const ImageInfo expected = plan_for(header, request);
    // TurboJPEG picks its scaling factor from the size asked for: a foreign info would make it
    // write a different size than the caller's buffer holds.
    if (info.out_width != expected.out_width || info.out_height != expected.out_height ||
        info.out_channels != expected.out_channels || info.out_dtype != expected.out_dtype)
      throw InvalidArgument("image info '" + std::to_string(info.out_width) + "x" + std::to_string(info.out_height) +
                            "x" + std::to_string(info.out_channels) +
                            "' does not match this JPEG; expected the info plan returned (" +
                            std::to_string(expected.out_width) + "x" + std::to_string(expected.out_height) + "x" +
                            std::to_string(expected.out_channels) + ")");
    const auto jpeg_size = static_cast<unsigned long>(size);
    auto* pixels = static_cast<uint8_t*>(out);
    int rc = 0;
    std::vector<uint8_t> cmyk;
    if (is_cmyk(header.colorspace)) {
      cmyk.resize(static_cast<std::size_t>(info.out_width) * info.out_height * 4);
      rc = tjDecompress2(tj, data, jpeg_size, cmyk.data(), info.out_width, 0, info.out_height, TJPF_CMYK, 0);
    } else {
      const int format = info.out_channels == 1 ? TJPF_GRAY : TJPF_RGB;
      rc = tjDecompress2(tj, data, jpeg_size, pixels, info.out_width, 0, info.out_height, format, 0);
    }
    // Other warnings (e.g. extraneous bytes before a marker) leave a complete image, as in
    // Pillow, so they are not errors.
    if (rc != 0 && is_decode_failure(tj))
      throw DataError(std::string("truncated or corrupt JPEG data: ") + tjGetErrorStr2(tj));
    if (rc != 0) {
      const std::string first_warning = tjGetErrorStr2(tj);
      reset_thread_local_handle();  // a warning also leaves the handle unusable
      // Only the first warning's text is kept: data that also ended early shows here.
      if (!has_end_of_image(data, size))
        throw DataError("truncated or corrupt JPEG data: the data ends before its end-of-image marker (after '" +
                        first_warning + "'); expected a complete JPEG");
    }
    if (!cmyk.empty()) cmyk_to_rgb(cmyk.data(), pixels, static_cast<std::size_t>(info.out_width) * info.out_height);
  }
};

}  // namespace

CLASSFLOW_PLUGIN("classflow_decoder_jpeg", CLASSFLOW_PLUGIN_VERSION, "MIT",
                 "JPEG images through libjpeg-turbo (DCT scaling, CMYK, EXIF orientation)") {
  registrar.add_decoder<JpegDecoder>("jpeg",
                                     "uint8 gray or RGB [H, W, C]; DCT downscaling by 1/2, 1/4, 1/8; CMYK as Pillow");
}
