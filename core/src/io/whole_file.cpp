#include "io/whole_file.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace classflow::detail {

WholeFile read_whole_file(const std::string& path) {
  WholeFile f;
  std::error_code ec;
  const std::filesystem::file_status st = std::filesystem::status(path, ec);
  if (std::filesystem::is_directory(st)) {
    f.status = WholeFileStatus::folder;
    return f;
  }
  if (std::filesystem::exists(st) && !std::filesystem::is_regular_file(st)) {
    f.status = WholeFileStatus::not_regular;
    return f;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return f;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return f;
  f.bytes = std::move(ss).str();
  f.status = WholeFileStatus::ok;
  return f;
}

std::string_view why_not_read(WholeFileStatus status) noexcept {
  switch (status) {
    case WholeFileStatus::ok: return {};
    case WholeFileStatus::unreadable: return "cannot be read";
    case WholeFileStatus::folder: return "is a folder";
    case WholeFileStatus::not_regular: return "is not a regular file";
  }
  return "cannot be read";
}

}  // namespace classflow::detail
