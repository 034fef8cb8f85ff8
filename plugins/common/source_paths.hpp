// Private helpers shared by the built-in source plugins (header-only; not part of the SDK):
// UTF-8 path conversion and file-name extensions.
#pragma once

#include <filesystem>
#include <string>

namespace classflow::plugins {

#if defined(_WIN32)
/// Windows paths are UTF-16: convert from the UTF-8 the ABI carries.
inline std::filesystem::path to_path(const std::string& utf8) {
#if defined(__cpp_char8_t)
  return std::filesystem::path(std::u8string(utf8.begin(), utf8.end()));
#else
  return std::filesystem::u8path(utf8);
#endif
}
/// The UTF-8 bytes of a path.
inline std::string to_utf8(const std::filesystem::path& p) {
  const auto s = p.u8string();
  return std::string(s.begin(), s.end());
}
#else
/// POSIX paths are bytes: names pass through unchanged (BR-28).
inline std::filesystem::path to_path(const std::string& bytes) { return std::filesystem::path(bytes); }
/// The bytes of a path, unchanged.
inline std::string to_utf8(const std::filesystem::path& p) { return p.string(); }
#endif

/// ASCII lower case; other bytes (UTF-8) unchanged.
inline std::string ascii_lower(std::string text) {
  for (char& c : text)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return text;
}

/// The extension after the last '.', lower case with the dot; "" when the name has no dot.
inline std::string lower_extension(const std::string& name) {
  const std::size_t dot = name.rfind('.');
  return dot == std::string::npos ? std::string() : ascii_lower(name.substr(dot));
}

}  // namespace classflow::plugins
