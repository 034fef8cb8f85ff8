#include "report/thumbnail.hpp"

#include <classflow/error.hpp>
#include <classflow/loader_options.hpp>

#include "image/image_pipeline.hpp"

#include <boost/archive/iterators/base64_from_binary.hpp>
#include <boost/archive/iterators/transform_width.hpp>
#include <turbojpeg.h>

#include <memory>

namespace classflow::detail {

std::string base64(const unsigned char* data, std::size_t size) {
  using namespace boost::archive::iterators;
  using It = base64_from_binary<transform_width<const unsigned char*, 6, 8>>;
  std::string out(It(data), It(data + size));
  out.append((3 - size % 3) % 3, '=');
  return out;
}

std::optional<std::string> thumbnail_data_uri(const Registry& registry, const std::string& path, int32_t size) {
  LoaderOptions o;
  o.target_size = {size, size};
  o.interpolation = Interpolation::bilinear;
  o.keep_aspect_ratio = true;
  o.color_mode = ColorMode::rgb;
  cv::Mat m;
  try {
    m = load_image(registry, path, o);
  } catch (const Error&) {
    return std::nullopt;
  }
  const std::unique_ptr<void, int (*)(tjhandle)> tj(tjInitCompress(), &tjDestroy);
  if (!tj) return std::nullopt;
  unsigned char* jpeg = nullptr;
  unsigned long jpeg_size = 0;  // NOLINT(google-runtime-int): TurboJPEG's type
  if (tjCompress2(tj.get(), m.data, m.cols, static_cast<int>(m.step[0]), m.rows, TJPF_RGB, &jpeg, &jpeg_size,
                  TJSAMP_420, 80, 0) != 0) {
    tjFree(jpeg);
    return std::nullopt;
  }
  std::string uri = "data:image/jpeg;base64," + base64(jpeg, jpeg_size);
  tjFree(jpeg);
  return uri;
}

}  // namespace classflow::detail
