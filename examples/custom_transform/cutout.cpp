// Transform 'cutout' (DeVries & Taylor 2017): blanks one random square of the resized image.
// Option `size` (pixels, default 8) and `fill` (default 0). Its position comes from the host's
// counter-based stream, so the same sample gets the same square whatever the thread or resume.
#include <classflow/sdk/plugin.hpp>

#include <cstring>

using namespace classflow::sdk;

class Cutout : public Transform {
 public:
  explicit Cutout(const TransformContext& ctx) {
    ctx.options.require_known("transform 'cutout'", {"size", "fill"});
    size_ = static_cast<int>(ctx.options.get_int("size", 8));
    fill_ = ctx.options.get_double("fill", 0);
    if (size_ < 1) throw InvalidArgument("option 'size' value '" + ctx.options.get("size") + "' is out of range; expected >= 1");
  }

  void apply(const ImageView& in, ImageView& out, std::size_t, Random& random) const override {
    for (int y = 0; y < in.height; ++y)
      std::memcpy(out.row<unsigned char>(y), in.row<unsigned char>(y), static_cast<std::size_t>(in.width) * in.pixel_bytes());
    const int cy = static_cast<int>(random.integer(0, in.height - 1));
    const int cx = static_cast<int>(random.integer(0, in.width - 1));
    for (int y = std::max(0, cy - size_ / 2); y < std::min(in.height, cy + (size_ + 1) / 2); ++y)
      for (int x = std::max(0, cx - size_ / 2); x < std::min(in.width, cx + (size_ + 1) / 2); ++x)
        for (int c = 0; c < in.channels; ++c) {
          if (in.dtype == DType::float32) out.row<float>(y)[x * in.channels + c] = static_cast<float>(fill_);
          else out.row<uint8_t>(y)[x * in.channels + c] = static_cast<uint8_t>(fill_);
        }
  }

 private:
  int size_ = 8;
  double fill_ = 0;
};

CLASSFLOW_PLUGIN("classflow_transform_cutout", "1.0.0", "MIT", "cutout: one random square blanked") {
  registrar.add_transform<Cutout>("cutout", "one random size x size square set to `fill`, after the resize",
                                  Stage::after_resize);
}
