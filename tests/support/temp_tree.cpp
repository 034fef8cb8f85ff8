#include "temp_tree.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace classflow::test {
namespace {

namespace fs = std::filesystem;

// Paths are bytes: build them from char strings, never through a locale conversion.
fs::path as_path(std::string_view text) { return fs::path(std::string(text)); }

void make_parent(const std::string& path) {
  std::error_code ec;
  fs::create_directories(as_path(path).parent_path(), ec);
  if (ec)
    throw std::runtime_error("test folder '" + as_path(path).parent_path().string() +
                             "' cannot be created (" + ec.message() + ")");
}

}  // namespace

TempDir::TempDir() {
  std::string pattern = "/tmp/classflow-test-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error("temporary folder '" + pattern + "' cannot be created (" +
                             std::strerror(errno) + ")");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(as_path(path_), ec);  // best effort: a destructor must not throw
}

std::string TempDir::path(std::string_view rel) const { return path_ + "/" + std::string(rel); }

std::string TempDir::touch(std::string_view rel) const {
  const std::string p = path(rel);
  make_parent(p);
  std::ofstream out(as_path(p), std::ios::binary | std::ios::app);
  if (!out) throw std::runtime_error("test file '" + p + "' cannot be created");
  return p;
}

std::string TempDir::write_file(std::string_view rel, std::string_view bytes) const {
  const std::string p = path(rel);
  make_parent(p);
  std::ofstream out(as_path(p), std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("test file '" + p + "' cannot be written");
  return p;
}

std::string TempDir::mkdir(std::string_view rel) const {
  const std::string p = path(rel);
  std::error_code ec;
  fs::create_directories(as_path(p), ec);
  if (ec) throw std::runtime_error("test folder '" + p + "' cannot be created (" + ec.message() + ")");
  return p;
}

std::string TempDir::symlink(std::string_view target, std::string_view rel) const {
  const std::string p = path(rel);
  make_parent(p);
  std::error_code ec;
  fs::create_symlink(as_path(target), as_path(p), ec);
  if (ec) throw std::runtime_error("test link '" + p + "' cannot be created (" + ec.message() + ")");
  return p;
}

}  // namespace classflow::test
