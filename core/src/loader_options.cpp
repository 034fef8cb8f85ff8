// Flag spellings of the loader options.
#include <classflow/error.hpp>
#include <classflow/loader_options.hpp>

#include <fmt/format.h>

#include <cstdlib>

namespace classflow {

ColorMode parse_color_mode(const std::string& t) {
  if (t == "rgb") return ColorMode::rgb;
  if (t == "rgba") return ColorMode::rgba;
  if (t == "grayscale") return ColorMode::grayscale;
  throw UsageError(fmt::format("unknown color_mode '{}'; expected one of: grayscale, rgb, rgba", t));
}

Interpolation parse_interpolation(const std::string& t) {
  if (t == "nearest") return Interpolation::nearest;
  if (t == "bilinear") return Interpolation::bilinear;
  if (t == "bicubic") return Interpolation::bicubic;
  if (t == "area" || t == "box") return Interpolation::area;
  if (t == "lanczos") return Interpolation::lanczos;
  throw UsageError(fmt::format("unknown interpolation '{}'; expected one of: area, bicubic, bilinear, lanczos, nearest", t));
}

ImageDType parse_image_dtype(const std::string& t) {
  if (t == "uint8") return ImageDType::uint8;
  if (t == "float32") return ImageDType::float32;
  throw UsageError(fmt::format("unknown dtype '{}'; expected one of: float32, uint8", t));
}

DataFormat parse_data_format(const std::string& t) {
  if (t == "channels_last") return DataFormat::channels_last;
  if (t == "channels_first") return DataFormat::channels_first;
  throw UsageError(fmt::format("unknown data_format '{}'; expected one of: channels_first, channels_last", t));
}

OnError parse_on_error(const std::string& t) {
  if (t == "raise" || t == "error") return OnError::raise;
  if (t == "skip") return OnError::skip;
  if (t == "warn") return OnError::warn;
  throw UsageError(fmt::format("unknown on_error '{}'; expected one of: raise, skip, warn", t));
}

std::array<int32_t, 2> parse_target_size(const std::string& t) {
  auto x = t.find_first_of("xX");
  auto bad = [&] {
    return UsageError(fmt::format("target_size '{}' is not HxW; expected height x width in pixels, e.g. 224x224", t));
  };
  if (x == std::string::npos || x == 0 || x + 1 >= t.size()) throw bad();
  char* end = nullptr;
  long h = std::strtol(t.c_str(), &end, 10);
  if (end != t.c_str() + x) throw bad();
  long w = std::strtol(t.c_str() + x + 1, &end, 10);
  if (*end != '\0' || h < 1 || w < 1 || h > 65535 || w > 65535) throw bad();
  return {static_cast<int32_t>(h), static_cast<int32_t>(w)};
}

}  // namespace classflow
