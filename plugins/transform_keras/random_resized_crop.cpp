// Transform 'random_resized_crop': torchvision's RandomResizedCrop on the decoded image (the host
// resizes the crop to target_size afterwards). Options `scale` (area fraction range, default
// 0.08,1) and `ratio` (aspect w/h range, default 3/4,4/3). Ten tries of an area and a log-uniform
// aspect; a crop that fits is placed uniformly; otherwise the centre crop clamped to the ratio
// range — torchvision's get_params, step for step, with classflow's counter-based draws.
#include <classflow/sdk/plugin.hpp>

#include <cmath>
#include <cstring>
#include <string>

using namespace classflow::sdk;

namespace {

std::pair<double, double> range(const Options& o, const std::string& key, double lo, double hi) {
  if (!o.has(key)) return {lo, hi};
  const std::string text = o.get(key);
  const auto comma = text.find(',');
  char* end1 = nullptr;
  char* end2 = nullptr;
  const std::string a = text.substr(0, comma), b = comma == std::string::npos ? "" : text.substr(comma + 1);
  const double x = std::strtod(a.c_str(), &end1), y = std::strtod(b.c_str(), &end2);
  if (comma == std::string::npos || *end1 != '\0' || *end2 != '\0' || a.empty() || b.empty() || !(x > 0) ||
      !(y >= x) || !std::isfinite(y))
    throw InvalidArgument("option '" + key + "' value '" + text + "' is not a range lo,hi with 0 < lo <= hi; expected e.g. " +
                          key + "=" + std::to_string(lo) + "," + std::to_string(hi));
  return {x, y};
}

class RandomResizedCrop : public Transform {
 public:
  explicit RandomResizedCrop(const TransformContext& ctx) {
    ctx.options.require_known("transform 'random_resized_crop'", {"scale", "ratio"});
    scale_ = range(ctx.options, "scale", 0.08, 1.0);
    ratio_ = range(ctx.options, "ratio", 3.0 / 4.0, 4.0 / 3.0);
    if (scale_.second > 1)
      throw InvalidArgument("option 'scale' value '" + ctx.options.get("scale") +
                            "' exceeds 1; expected area fractions in (0, 1]");
  }

  void apply(const ImageView& in, ImageView& out, std::size_t, Random& random) const override {
    const int height = in.height, width = in.width;
    int i = 0, j = 0, h = height, w = width;
    bool found = false;
    const double area = static_cast<double>(height) * width;
    const double log_lo = std::log(ratio_.first), log_hi = std::log(ratio_.second);
    for (int attempt = 0; attempt < 10 && !found; ++attempt) {
      const double target = area * random.uniform(scale_.first, scale_.second);
      const double aspect = std::exp(random.uniform(log_lo, log_hi));
      const int cw = static_cast<int>(std::lround(std::sqrt(target * aspect)));
      const int ch = static_cast<int>(std::lround(std::sqrt(target / aspect)));
      if (0 < cw && cw <= width && 0 < ch && ch <= height) {
        i = static_cast<int>(random.integer(0, height - ch));
        j = static_cast<int>(random.integer(0, width - cw));
        h = ch;
        w = cw;
        found = true;
      }
    }
    if (!found) {  // the centre crop, its aspect clamped to the ratio range
      const double in_ratio = static_cast<double>(width) / height;
      if (in_ratio < ratio_.first) {
        w = width;
        h = static_cast<int>(std::lround(w / ratio_.first));
      } else if (in_ratio > ratio_.second) {
        h = height;
        w = static_cast<int>(std::lround(h * ratio_.second));
      }
      h = std::max(1, std::min(h, height));
      w = std::max(1, std::min(w, width));
      i = (height - h) / 2;
      j = (width - w) / 2;
    }
    const std::size_t px = in.pixel_bytes();
    out.width = w;
    out.height = h;
    out.row_bytes = static_cast<int64_t>(w * px);
    for (int y = 0; y < h; ++y)
      std::memcpy(out.row<unsigned char>(y), in.row<unsigned char>(i + y) + static_cast<std::size_t>(j) * px,
                  static_cast<std::size_t>(w) * px);
  }

 private:
  std::pair<double, double> scale_, ratio_;
};

}  // namespace

void register_random_resized_crop(Registrar& registrar) {
  registrar.add_transform<RandomResizedCrop>(
      "random_resized_crop", "torchvision RandomResizedCrop(scale, ratio) on the decoded image", Stage::before_resize);
}
