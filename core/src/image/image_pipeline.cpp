#include "image/image_pipeline.hpp"

#include "image/resample.hpp"
#include "plugins/plugin_call.hpp"

#include <classflow/batch.hpp>
#include <classflow/error.hpp>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <optional>
#include <cstdio>
#include <cstring>
#include <vector>

namespace classflow::detail {

namespace {

// Largest image file read: far above any real photo, below what a hostile file could make us
// allocate (a compressed image of max_image_pixels is much smaller than this).
constexpr int64_t kMaxFileBytes = int64_t{1} << 31;

// Pillow's filter for Keras's interpolation names; nullopt for nearest and OpenCV's own.
std::optional<PillowFilter> pillow_filter(Interpolation i) {
  switch (i) {
    case Interpolation::bilinear: return PillowFilter::bilinear;
    case Interpolation::bicubic: return PillowFilter::bicubic;
    case Interpolation::lanczos: return PillowFilter::lanczos;
    case Interpolation::box: return PillowFilter::box;
    case Interpolation::hamming: return PillowFilter::hamming;
    case Interpolation::nearest:
    case Interpolation::area:
    case Interpolation::linear_fast: break;
  }
  return std::nullopt;
}

// EXIF orientation 2..8 -> upright, as Pillow's ImageOps.exif_transpose.
cv::Mat orient(const cv::Mat& m, int orientation) {
  thread_local cv::Mat work;  // per thread: see reusable()
  cv::Mat& out = reusable(work);
  switch (orientation) {
    case 2: cv::flip(m, out, 1); return out;
    case 3: cv::rotate(m, out, cv::ROTATE_180); return out;
    case 4: cv::flip(m, out, 0); return out;
    case 5: cv::transpose(m, out); return out;
    case 6: cv::rotate(m, out, cv::ROTATE_90_CLOCKWISE); return out;
    case 7: {
      thread_local cv::Mat t;
      cv::transpose(m, t);
      cv::flip(t, out, -1);
      return out;
    }
    case 8: cv::rotate(m, out, cv::ROTATE_90_COUNTERCLOCKWISE); return out;
    default: return m;
  }
}

// RGBA over an opaque background colour: out = a*rgb + (1-a)*bg, rounded.
cv::Mat composite(const cv::Mat& rgba, const std::array<uint8_t, 3>& bg) {
  cv::Mat f, out;
  rgba.convertTo(f, CV_32FC4, 1.0 / 255.0);
  std::vector<cv::Mat> ch;
  cv::split(f, ch);
  std::vector<cv::Mat> rgb(3);
  for (int i = 0; i < 3; ++i) {
    cv::Mat inv = 1.0f - ch[3];
    rgb[static_cast<std::size_t>(i)] = ch[static_cast<std::size_t>(i)].mul(ch[3]) + inv * (bg[static_cast<std::size_t>(i)] / 255.0f);
  }
  cv::merge(rgb, f);
  f.convertTo(out, CV_8UC3, 255.0);
  return out;
}

// Pillow's NEAREST resize of `box` of `src`: the source coordinate starts at box.x + scale/2 and
// is advanced by adding `scale` (a double) per pixel, then truncated — exactly Pillow's affine
// transform loop, including its rounding (checked against Pillow 9.4 for all sizes 1..69 in
// both directions). OpenCV's INTER_NEAREST(_EXACT) picks other pixels, and its remap refuses
// sides of 32767 pixels or more, so the pixels are gathered here from the two index tables.
// Written into `out` (reused: create() keeps its buffer when the size matches).
void pillow_nearest(const cv::Mat& src, const cv::Rect& box, int tw, int th, cv::Mat& out) {
  std::vector<int> xs(static_cast<std::size_t>(tw)), ys(static_cast<std::size_t>(th));
  const double sx = static_cast<double>(box.width) / tw, sy = static_cast<double>(box.height) / th;
  double xx = box.x + sx * 0.5;
  for (int x = 0; x < tw; ++x, xx += sx)
    xs[static_cast<std::size_t>(x)] = std::min(box.x + box.width - 1, static_cast<int>(xx));
  double yy = box.y + sy * 0.5;
  for (int y = 0; y < th; ++y, yy += sy)
    ys[static_cast<std::size_t>(y)] = std::min(box.y + box.height - 1, static_cast<int>(yy));
  const int c = src.channels();
  out.create(th, tw, src.type());
  for (int y = 0; y < th; ++y) {
    const uint8_t* row = src.ptr<uint8_t>(ys[static_cast<std::size_t>(y)]);
    uint8_t* d = out.ptr<uint8_t>(y);
    for (int x = 0; x < tw; ++x, d += c) std::memcpy(d, row + static_cast<std::size_t>(xs[static_cast<std::size_t>(x)]) * c, static_cast<std::size_t>(c));
  }
}

cv::Mat to_color_mode(const cv::Mat& m, const LoaderOptions& o) {
  thread_local cv::Mat work;  // per thread: see reusable()
  cv::Mat& out = reusable(work);
  const int c = m.channels();
  switch (o.color_mode) {
    case ColorMode::rgb:
      if (c == 3) return m;
      if (c == 1) cv::cvtColor(m, out, cv::COLOR_GRAY2RGB);
      else if (o.alpha_background) out = composite(m, *o.alpha_background);
      else cv::cvtColor(m, out, cv::COLOR_RGBA2RGB);  // Pillow convert('RGB') drops alpha
      return out;
    case ColorMode::rgba:
      if (c == 4) return m;
      cv::cvtColor(m, out, c == 1 ? cv::COLOR_GRAY2RGBA : cv::COLOR_RGB2RGBA);
      return out;
    case ColorMode::grayscale:
      if (c == 1) return m;
      pillow_luma(c == 4 && o.alpha_background ? composite(m, *o.alpha_background) : m, out);
      return out;
  }
  return m;
}

cv::Mat resized(const Registry& registry, const std::string& path, const LoaderOptions& o,
                const Augmentation* augmentation, const SampleKey& key, StageTimes* times,
                const FloatOutput* direct = nullptr);

}  // namespace

cv::Mat pillow_luma(const cv::Mat& rgb) {
  cv::Mat out;
  pillow_luma(rgb, out);
  return out;
}

void pillow_luma(const cv::Mat& rgb, cv::Mat& out) {
  CV_Assert(out.data != rgb.data);
  out.create(rgb.rows, rgb.cols, CV_8UC1);
  const int c = rgb.channels();
  for (int y = 0; y < rgb.rows; ++y) {
    const uint8_t* s = rgb.ptr<uint8_t>(y);
    uint8_t* d = out.ptr<uint8_t>(y);
    for (int x = 0; x < rgb.cols; ++x, s += c)
      d[x] = static_cast<uint8_t>((s[0] * 19595 + s[1] * 38470 + s[2] * 7471 + 0x8000) >> 16);
  }
}

void read_image_file(const std::string& path, TensorBytes& bytes, const Registry* sniff) {
  auto refuse = [&](const std::string& why) {
    return DataError(fmt::format("image file '{}' cannot be read ({}); expected a readable image file", path, why));
  };
  // O_NONBLOCK: opening a FIFO without a writer must not block; it is refused just below.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw refuse(std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw refuse(std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw refuse("not a regular file");
  if (st.st_size > kMaxFileBytes)
    throw refuse(fmt::format("{} bytes, more than the {} bytes an image file may have", st.st_size, kMaxFileBytes));
  bytes.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  // With `sniff`: the first 64 bytes, then the rest only when a decoder claims them.
  std::size_t stop = sniff != nullptr ? std::min<std::size_t>(bytes.size(), 64) : bytes.size();
  for (;;) {
    while (done < stop) {
      ssize_t n = ::read(fd, bytes.data() + done, stop - done);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n < 0) throw refuse(std::strerror(errno));
      if (n == 0) break;  // shrank since fstat: decode what is there (a truncated image fails there)
      done += static_cast<std::size_t>(n);
    }
    if (done < stop || stop == bytes.size()) break;
    if (sniff->decoder_for(bytes.data(), done) == nullptr) {
      bytes.resize(done);
      decoder_for_file(*sniff, path, bytes);  // throws: not a decodable image
    }
    stop = bytes.size();
  }
  bytes.resize(done);
}


std::string lower_extension(const std::string& path) {
  const auto slash = path.find_last_of('/');
  const auto dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash) || dot + 1 == path.size()) return {};
  std::string ext = path.substr(dot);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

const DecoderEntry& decoder_for_file(const Registry& registry, const std::string& path, const TensorBytes& bytes) {
  if (bytes.empty()) throw DataError(fmt::format("image file '{}' is empty (0 bytes); expected an image", path));
  const DecoderEntry* dec = registry.decoder_for(bytes.data(), bytes.size());
  if (dec == nullptr) {
    // Never echo the file's bytes: a listed path may point at something secret.
    std::vector<std::string> names;
    for (const auto& d : registry.decoders()) names.emplace_back(d.vtable->name);
    throw DataError(fmt::format("image file '{}' is not a decodable image (no loaded decoder recognises its first "
                                "bytes); expected a format of the loaded decoders ({})",
                                path, fmt::join(names, ", ")));
  }
  return *dec;
}

cv::Mat load_resized(const Registry& registry, const std::string& path, const LoaderOptions& o,
                     const Augmentation* augmentation, const SampleKey& key, StageTimes* times) {
  return resized(registry, path, o, augmentation, key, times);
}

cv::Mat load_image(const Registry& registry, const std::string& path, const LoaderOptions& o,
                   const Augmentation* augmentation, const SampleKey& key, StageTimes* times,
                   const FloatOutput* direct) {
  const bool after = augmentation != nullptr && augmentation->has_after();
  cv::Mat m = resized(registry, path, o, augmentation, key, times, after ? nullptr : direct);
  if (augmentation == nullptr || !augmentation->has_after()) return m;
  // The resized image is augmented as decoded, 8 bits per sample: OpenCV's 8-bit warp is about
  // three times its float one, and Keras's float augmentation of the same integer pixels differs
  // only by the rounding of each result (<= 0.5). The store converts to float32 afterwards.
  return augmentation->after_resize(std::move(m), key);
}

namespace {
cv::Mat resized(const Registry& registry, const std::string& path, const LoaderOptions& o,
                const Augmentation* augmentation, const SampleKey& key, StageTimes* times,
                const FloatOutput* direct) {
  // Per-thread buffers reused across images: RSS stays flat over epochs of large photos.
  // TensorBytes: uninitialised growth, and large buffers faulted in at once (see batch.hpp).
  thread_local TensorBytes bytes;
  thread_local TensorBytes decoded;
  using Clock = std::chrono::steady_clock;
  const auto since = [](Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t).count();
  };
  auto t0 = Clock::now();
  read_image_file(path, bytes);
  if (times != nullptr) times->read_ns = since(t0);
  const DecoderEntry* dec = &decoder_for_file(registry, path, bytes);
  const int th = o.target_size[0], tw = o.target_size[1];
  auto req = detail::sized<cf_decode_request>();
  req.apply_orientation = o.apply_orientation ? 1 : 0;
  const bool crops = augmentation != nullptr && augmentation->has_before();
  if (const int margin = jpeg_draft_margin(o); margin > 0 && !crops) {
    // A decoder may shrink (JPEG DCT scaling) as long as the upright image stays >= margin x
    // target; the decoder knows the orientation and swaps the minimum for rotated images itself.
    req.min_width = tw * margin;
    req.min_height = th * margin;
  }
  auto info = detail::sized<cf_image_info>();
  const PluginRef decoder{"decoder", dec->vtable->name, dec->file};
  const std::string cannot = fmt::format("image file '{}' cannot be decoded", path);
  t0 = Clock::now();  // decode time: plan (header) + decode
  PluginCall plan(decoder, "plan");
  plan.check(dec->vtable->plan(bytes.data(), bytes.size(), &req, &info, plan.status()), cannot);
  // A header without a frame (e.g. a JPEG cut before its SOF) must not become an empty image.
  if (info.width < 1 || info.height < 1 || info.out_width < 1 || info.out_height < 1)
    throw DataError(fmt::format("{}: the decoder found no image size ({}x{}); expected a complete image header",
                                cannot, info.width, info.height));
  // The larger of the stored and the output size: a plugin that plans a small stored size but a
  // huge output must not get past the limit either.
  int64_t pixels = std::max(static_cast<int64_t>(info.width) * info.height,
                            static_cast<int64_t>(info.out_width) * info.out_height);
  if (o.max_image_pixels > 0 && pixels > o.max_image_pixels)
    throw DataError(
        fmt::format("image file '{}' has {} pixels ({}x{}), more than max_image_pixels {}; expected a "
                    "smaller image, or raise --max-image-pixels (max_image_pixels=N in Python; 0 disables the limit)",
                    path, pixels, info.width, info.height, o.max_image_pixels));
  if (info.out_dtype != CF_DTYPE_UINT8 || info.out_channels < 1 || info.out_channels > 4 || info.out_channels == 2)
    plan.violation(fmt::format("planned {} channels of dtype {} for '{}'; expected uint8 with 1, 3 or 4 channels",
                               info.out_channels, info.out_dtype, path));
  const std::size_t need = static_cast<std::size_t>(info.out_height) * info.out_width * info.out_channels;
  if (decoded.size() < need) decoded.resize(need);
  cv::Mat m(info.out_height, info.out_width, CV_8UC(info.out_channels), decoded.data());
  PluginCall decode(decoder, "decode");
  try {
    decode.check(dec->vtable->decode(bytes.data(), bytes.size(), &req, &info, m.data, need, decode.status()), cannot);
  } catch (...) {
    // A hostile file may have made this thread's buffer huge: give it back rather than keep it.
    if (decoded.capacity() > (std::size_t{64} << 20)) TensorBytes().swap(decoded);
    throw;
  }
  if (times != nullptr) times->decode_ns = since(t0);
  if (o.apply_orientation && info.orientation > 1) m = orient(m, info.orientation);
  m = to_color_mode(m, o);
  if (crops) m = augmentation->before_resize(m.data == decoded.data() ? m.clone() : m, key);
  if (m.rows == th && m.cols == tw) return m.data == decoded.data() ? m.clone() : m;  // never hand out the buffer
  cv::Rect box(0, 0, m.cols, m.rows);
  if (o.keep_aspect_ratio) {
    // Keras load_img: the largest centred box of the target aspect ratio (integer arithmetic).
    // At least one row and column: a sliver image with an extreme target would crop to nothing.
    int64_t crop_h = std::max<int64_t>(1, std::min<int64_t>(m.rows, static_cast<int64_t>(m.cols) * th / tw));
    int64_t crop_w = std::max<int64_t>(1, std::min<int64_t>(m.cols, static_cast<int64_t>(m.rows) * tw / th));
    box = cv::Rect(static_cast<int>((m.cols - crop_w) / 2), static_cast<int>((m.rows - crop_h) / 2),
                   static_cast<int>(crop_w), static_cast<int>(crop_h));
  }
  thread_local cv::Mat work;  // per thread: see reusable()
  cv::Mat& out = reusable(work);
  if (o.interpolation == Interpolation::nearest) {
    pillow_nearest(m, box, tw, th, out);
    return out;
  }
  cv::Mat src = m(box);
  if (auto filter = pillow_filter(o.interpolation)) {
    if (direct != nullptr && src.channels() != 4) {
      pillow_resize_into(src, tw, th, *filter, *direct);  // straight into the batch as float32
      return cv::Mat();
    }
    pillow_resize(src, out, tw, th, *filter);
    return out;
  }
  cv::resize(src, out, cv::Size(tw, th), 0, 0,
             o.interpolation == Interpolation::area ? cv::INTER_AREA : cv::INTER_LINEAR);
  return out;
}
}  // namespace

}  // namespace classflow::detail
