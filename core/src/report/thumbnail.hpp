// Report thumbnails: one image decoded and resized as the loader does, encoded as an inline JPEG.
#pragma once

#include <classflow/registry.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace classflow::detail {

/// "data:image/jpeg;base64,..." of the image at `path`, centre-cropped and resized to size x size
/// (Pillow bilinear, EXIF orientation applied, RGB, JPEG quality 80); nullopt when the file cannot
/// be read or decoded (the check reports why).
std::optional<std::string> thumbnail_data_uri(const Registry& registry, const std::string& path, int32_t size);

/// Standard base64 (RFC 4648, with '=' padding) of `size` bytes.
std::string base64(const unsigned char* data, std::size_t size);

}  // namespace classflow::detail
