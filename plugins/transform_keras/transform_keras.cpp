// Transform 'keras': Keras ImageDataGenerator's random_transform, on the resized image.
//
// Draws (in this order, each only when enabled): theta ~ U(-rotation_range, rotation_range); tx
// (rows) from height_shift_range and ty (columns) from width_shift_range — a float f draws
// U(-f, f), times the side when f < 1; an integer n draws k * s with k in 0..n-1 and s = +-1,
// pixels (Keras's rule); shear ~ U(-shear_range, shear_range) degrees; zx, zy ~ U(zoom_range);
// flips with probability 1/2; channel shift ~ U(-c, c); brightness ~ U(brightness_range).
// Applied as Keras's apply_transform: one affine matrix (rotation . shift . shear . zoom about
// the centre h/2 + 0.5, w/2 + 0.5, Keras's offset) mapping output to input (row, col)
// coordinates, through OpenCV with scipy.ndimage's boundary rules for fill_mode (order 1);
// then channel shift (clipped to the image's min/max), flips, brightness (x * b, clipped to
// 0..255: Keras rescales the image to 0..255 through PIL first, which this does not).
// With any of theta, tx, ty, shear, zx, zy, flip_horizontal, flip_vertical,
// channel_shift_intensity, brightness given, those exact parameters are applied instead of
// drawn (Keras apply_transform; classflow.apply_transform uses this).
#include <classflow/sdk/plugin.hpp>

#include <opencv2/imgproc.hpp>

#include <array>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>

using namespace classflow::sdk;

namespace {

enum class Fill { nearest, constant, reflect, wrap };

Fill parse_fill(const std::string& v) {
  if (v == "nearest") return Fill::nearest;
  if (v == "constant") return Fill::constant;
  if (v == "reflect") return Fill::reflect;
  if (v == "wrap") return Fill::wrap;
  throw InvalidArgument("option 'fill_mode' value '" + v + "' is unknown; expected one of: constant, nearest, reflect, wrap");
}

/// A shift range: pixels drawn as integers (Keras's int rule) or a float range (fraction of the
/// side when < 1).
struct ShiftRange {
  bool integer = false;
  double value = 0;
  bool enabled() const { return value != 0; }
  double draw(Random& r, int side) const {
    if (integer) {
      const double k = static_cast<double>(r.integer(0, static_cast<int64_t>(value) - 1));
      return r.bernoulli() ? k : -k;
    }
    const double v = r.uniform(-value, value);
    return value < 1 ? v * side : v;
  }
};

ShiftRange parse_shift(const Options& o, const std::string& key) {
  ShiftRange s;
  if (!o.has(key)) return s;
  const std::string text = o.get(key);
  s.integer = text.find_first_of(".eE") == std::string::npos;
  s.value = s.integer ? static_cast<double>(o.get_int(key, 0)) : o.get_double(key, 0);
  if (!(s.value >= 0))
    throw InvalidArgument("option '" + key + "' value '" + text + "' is out of range; expected >= 0");
  return s;
}

std::array<double, 2> parse_pair(const Options& o, const std::string& key, std::array<double, 2> fallback) {
  if (!o.has(key)) return fallback;
  const std::string text = o.get(key);
  const auto comma = text.find(',');
  char* end = nullptr;
  std::array<double, 2> out{};
  if (comma == std::string::npos) {
    out[0] = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != '\0') out[0] = NAN;
    out[1] = NAN;
  } else {
    const std::string a = text.substr(0, comma), b = text.substr(comma + 1);
    out[0] = std::strtod(a.c_str(), &end);
    if (end == a.c_str() || *end != '\0') out[0] = NAN;
    out[1] = std::strtod(b.c_str(), &end);
    if (end == b.c_str() || *end != '\0') out[1] = NAN;
  }
  if (std::isnan(out[0]) || (comma != std::string::npos && (std::isnan(out[1]) || out[1] < out[0])))
    throw InvalidArgument("option '" + key + "' value '" + text + "' is not a number or a range lo,hi; expected e.g. " +
                          key + "=0.2 or " + key + "=0.8,1.2");
  return out;
}

double non_negative(const Options& o, const std::string& key) {
  const double v = o.get_double(key, 0);
  if (!(v >= 0)) throw InvalidArgument("option '" + key + "' value '" + o.get(key) + "' is out of range; expected >= 0");
  return v;
}

/// Keras's transform parameters for one image.
struct Params {
  double theta = 0, tx = 0, ty = 0, shear = 0, zx = 1, zy = 1;
  bool flip_horizontal = false, flip_vertical = false;
  std::optional<double> channel_shift, brightness;
};

using M3 = std::array<std::array<double, 3>, 3>;
M3 mul(const M3& a, const M3& b) {
  M3 c{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) c[i][j] += a[i][k] * b[k][j];
  return c;
}

class KerasTransform : public Transform {
 public:
  explicit KerasTransform(const TransformContext& ctx) {
    const Options& o = ctx.options;
    o.require_known("transform 'keras'",
                    {"rotation_range", "width_shift_range", "height_shift_range", "shear_range", "zoom_range",
                     "channel_shift_range", "brightness_range", "horizontal_flip", "vertical_flip", "fill_mode", "cval",
                     "theta", "tx", "ty", "shear", "zx", "zy", "flip_horizontal", "flip_vertical",
                     "channel_shift_intensity", "brightness"});
    rotation_ = non_negative(o, "rotation_range");
    width_shift_ = parse_shift(o, "width_shift_range");
    height_shift_ = parse_shift(o, "height_shift_range");
    shear_ = non_negative(o, "shear_range");
    auto zoom = parse_pair(o, "zoom_range", {0, NAN});
    zoom_ = std::isnan(zoom[1]) ? std::array<double, 2>{1 - zoom[0], 1 + zoom[0]} : zoom;
    if (zoom_[0] <= 0)
      throw InvalidArgument("option 'zoom_range' value '" + o.get("zoom_range") +
                            "' gives a zoom of 0 or less; expected a range within (0, inf)");
    channel_shift_ = non_negative(o, "channel_shift_range");
    if (o.has("brightness_range")) {
      auto b = parse_pair(o, "brightness_range", {1, 1});
      if (std::isnan(b[1]))
        throw InvalidArgument("option 'brightness_range' value '" + o.get("brightness_range") +
                              "' is one number; expected a range lo,hi, e.g. brightness_range=0.8,1.2");
      brightness_ = b;
    }
    horizontal_flip_ = o.get_bool("horizontal_flip", false);
    vertical_flip_ = o.get_bool("vertical_flip", false);
    fill_ = parse_fill(o.get("fill_mode", "nearest"));
    cval_ = o.get_double("cval", 0);
    // Fixed parameters (Keras apply_transform): applied as given, nothing drawn.
    for (const char* k : {"theta", "tx", "ty", "shear", "zx", "zy", "flip_horizontal", "flip_vertical",
                          "channel_shift_intensity", "brightness"})
      fixed_ = fixed_ || o.has(k);
    if (fixed_) {
      params_.theta = o.get_double("theta", 0);
      params_.tx = o.get_double("tx", 0);
      params_.ty = o.get_double("ty", 0);
      params_.shear = o.get_double("shear", 0);
      params_.zx = o.get_double("zx", 1);
      params_.zy = o.get_double("zy", 1);
      params_.flip_horizontal = o.get_bool("flip_horizontal", false);
      params_.flip_vertical = o.get_bool("flip_vertical", false);
      if (o.has("channel_shift_intensity")) params_.channel_shift = o.get_double("channel_shift_intensity", 0);
      if (o.has("brightness")) params_.brightness = o.get_double("brightness", 1);
    }
  }

  void apply(const ImageView& in, ImageView& out, std::size_t, Random& random) const override {
    const Params p = fixed_ ? params_ : draw(random, in.height, in.width);
    const int type = CV_MAKETYPE(in.dtype == DType::float32 ? CV_32F : CV_8U, in.channels);
    const cv::Mat src(in.height, in.width, type, in.data, static_cast<std::size_t>(in.row_bytes));
    cv::Mat dst(out.height, out.width, type, out.data, static_cast<std::size_t>(out.row_bytes));
    // Everything is written into the host's buffer (dst) and changed there in place: no
    // allocation per image.
    // Flips commute with the per-pixel steps after them: when a warp runs anyway they are folded
    // into its matrix (one pass over the image instead of two).
    const bool warped = affine(src, dst, p);
    if (p.channel_shift) channel_shift(dst, *p.channel_shift);
    if (p.flip_horizontal && !warped) cv::flip(dst, dst, 1);
    if (p.flip_vertical && !warped) cv::flip(dst, dst, 0);
    if (p.brightness) dst.convertTo(dst, dst.type(), *p.brightness);  // saturates uint8 at 0..255
    if (p.brightness && dst.depth() == CV_32F) {
      cv::max(dst, 0.0, dst);
      cv::min(dst, 255.0, dst);
    }
  }

 private:
  Params draw(Random& r, int h, int w) const {
    Params p;
    if (rotation_ > 0) p.theta = r.uniform(-rotation_, rotation_);
    if (height_shift_.enabled()) p.tx = height_shift_.draw(r, h);
    if (width_shift_.enabled()) p.ty = width_shift_.draw(r, w);
    if (shear_ > 0) p.shear = r.uniform(-shear_, shear_);
    if (!(zoom_[0] == 1 && zoom_[1] == 1)) {
      p.zx = r.uniform(zoom_[0], zoom_[1]);
      p.zy = r.uniform(zoom_[0], zoom_[1]);
    }
    if (horizontal_flip_) p.flip_horizontal = r.bernoulli();
    if (vertical_flip_) p.flip_vertical = r.bernoulli();
    if (channel_shift_ > 0) p.channel_shift = r.uniform(-channel_shift_, channel_shift_);
    if (brightness_) p.brightness = r.uniform((*brightness_)[0], (*brightness_)[1]);
    return p;
  }

  // Keras apply_affine_transform: the matrix maps output (row, col) to input (row, col).
  // Writes the warped `src` into `out`, flips included; false (and nothing written) when there
  // is no warp to do.
  bool affine(const cv::Mat& src, cv::Mat& out, const Params& p) const {
    const double pi = 3.14159265358979323846;
    const M3 id{{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}};
    M3 t = id;
    bool any = false;
    auto then = [&](const M3& m) {
      t = any ? mul(t, m) : m;
      any = true;
    };
    if (p.theta != 0) {
      const double a = p.theta * pi / 180;
      then({{{std::cos(a), -std::sin(a), 0}, {std::sin(a), std::cos(a), 0}, {0, 0, 1}}});
    }
    if (p.tx != 0 || p.ty != 0) then({{{1, 0, p.tx}, {0, 1, p.ty}, {0, 0, 1}}});
    if (p.shear != 0) {
      const double s = p.shear * pi / 180;
      then({{{1, -std::sin(s), 0}, {0, std::cos(s), 0}, {0, 0, 1}}});
    }
    if (p.zx != 1 || p.zy != 1) then({{{p.zx, 0, 0}, {0, p.zy, 0}, {0, 0, 1}}});
    if (!any) {
      src.copyTo(out);
      return false;
    }
    const double ox = src.rows / 2.0 + 0.5, oy = src.cols / 2.0 + 0.5;  // Keras's centre offset
    t = mul(mul(M3{{{1, 0, ox}, {0, 1, oy}, {0, 0, 1}}}, t), M3{{{1, 0, -ox}, {0, 1, -oy}, {0, 0, 1}}});
    // A flip of the output: out(r, c) = warped(r, w-1-c), i.e. the matrix applied to the flipped
    // output coordinates.
    if (p.flip_horizontal) t = mul(t, M3{{{1, 0, 0}, {0, -1, src.cols - 1.0}, {0, 0, 1}}});
    if (p.flip_vertical) t = mul(t, M3{{{-1, 0, src.rows - 1.0}, {0, 1, 0}, {0, 0, 1}}});
    // OpenCV speaks (x = col, y = row): swap the axes of the matrix.
    const cv::Matx23d m(t[1][1], t[1][0], t[1][2], t[0][1], t[0][0], t[0][2]);
    const int flags = cv::INTER_LINEAR | cv::WARP_INVERSE_MAP;
    switch (fill_) {
      case Fill::nearest:  // (a a a | a b c d | d d d)
        cv::warpAffine(src, out, m, src.size(), flags, cv::BORDER_REPLICATE);
        return true;
      case Fill::reflect:  // (d c b a | a b c d | d c b a)
        cv::warpAffine(src, out, m, src.size(), flags, cv::BORDER_REFLECT);
        return true;
      case Fill::constant:
        // scipy: a coordinate outside [0, n-1] on either axis is cval, with no blending into
        // the edge pixels (OpenCV would blend over the last half pixel).
        cv::warpAffine(src, out, m, src.size(), flags, cv::BORDER_REPLICATE);
        mask_outside(out, m, src.cols, src.rows);
        return true;
      case Fill::wrap:
        wrap(src, out, m);
        return true;
    }
    return true;
  }

  void mask_outside(cv::Mat& out, const cv::Matx23d& m, int w, int h) const {
    const int c = out.channels();
    for (int y = 0; y < out.rows; ++y)
      for (int x = 0; x < out.cols; ++x) {
        const double sx = m(0, 0) * x + m(0, 1) * y + m(0, 2), sy = m(1, 0) * x + m(1, 1) * y + m(1, 2);
        if (sx >= 0 && sx <= w - 1 && sy >= 0 && sy <= h - 1) continue;
        if (out.depth() == CV_32F) {
          float* px = out.ptr<float>(y) + static_cast<std::ptrdiff_t>(x) * c;
          for (int k = 0; k < c; ++k) px[k] = static_cast<float>(cval_);
        } else {
          uint8_t* px = out.ptr<uint8_t>(y) + static_cast<std::ptrdiff_t>(x) * c;
          for (int k = 0; k < c; ++k) px[k] = cv::saturate_cast<uint8_t>(cval_);
        }
      }
  }

  // scipy 'wrap': the first and last samples overlap, so the period is n - 1 on each axis; a
  // coordinate inside [0, n-1] stays as it is (n-1 itself is the last sample, not the first).
  void wrap(const cv::Mat& src, cv::Mat& out, const cv::Matx23d& m) const {
    cv::Mat map_x(src.rows, src.cols, CV_32FC1), map_y(src.rows, src.cols, CV_32FC1);
    auto fold = [](double c, int n) {
      if (n <= 1) return 0.0;
      const double period = n - 1;
      if (c >= 0 && c <= period) return c;
      double r = std::fmod(c, period);
      return r < 0 ? r + period : r;
    };
    for (int y = 0; y < src.rows; ++y)
      for (int x = 0; x < src.cols; ++x) {
        map_x.at<float>(y, x) = static_cast<float>(fold(m(0, 0) * x + m(0, 1) * y + m(0, 2), src.cols));
        map_y.at<float>(y, x) = static_cast<float>(fold(m(1, 0) * x + m(1, 1) * y + m(1, 2), src.rows));
      }
    cv::remap(src, out, map_x, map_y, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  }

  // Keras apply_channel_shift: x + intensity, clipped to the image's own min and max.
  static void channel_shift(cv::Mat& img, double intensity) {
    double lo = 0, hi = 0;
    cv::minMaxLoc(img.reshape(1), &lo, &hi);
    img.convertTo(img, img.type(), 1.0, intensity);
    cv::max(img, lo, img);
    cv::min(img, hi, img);
  }

  double rotation_ = 0, shear_ = 0, channel_shift_ = 0, cval_ = 0;
  ShiftRange width_shift_, height_shift_;
  std::array<double, 2> zoom_{1, 1};
  std::optional<std::array<double, 2>> brightness_;
  bool horizontal_flip_ = false, vertical_flip_ = false, fixed_ = false;
  Fill fill_ = Fill::nearest;
  Params params_;
};

}  // namespace

void register_random_resized_crop(Registrar& registrar);

CLASSFLOW_PLUGIN("classflow_transform_keras", CLASSFLOW_PLUGIN_VERSION, "MIT",
                 "Keras ImageDataGenerator augmentation and torchvision RandomResizedCrop") {
  registrar.add_transform<KerasTransform>(
      "keras",
      "Keras ImageDataGenerator: rotation/shift/shear/zoom (one affine matrix), flips, channel and "
      "brightness shifts; after the resize",
      Stage::after_resize);
  register_random_resized_crop(registrar);
}
