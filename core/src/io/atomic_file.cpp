#include <classflow/atomic_file.hpp>
#include <classflow/error.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace classflow {

namespace {
std::string folder_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}
std::string name_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}
}  // namespace

AtomicFile::AtomicFile(std::string path, std::string what) : path_(std::move(path)), what_(std::move(what)) {
  auto refuse = [&](const std::string& why) {
    return DataError(fmt::format("{} '{}' {}; expected a new file name or a regular file to replace (nothing was "
                                 "written)",
                                 what_, path_, why));
  };
  if (path_.empty()) throw refuse("is an empty name");
  // The OS reads a name up to its first NUL: the file written would be another one.
  if (path_.find('\0') != std::string::npos) throw refuse("has a NUL character in its name");
  // The rename replaces whatever has the name: never a device (as root, `-o /dev/null` would
  // replace /dev/null), a FIFO or a folder. A symbolic link is written through: its target is
  // replaced and the link stays.
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode)) {
      char* target = ::realpath(path_.c_str(), nullptr);
      if (target == nullptr) throw refuse("is a symbolic link to a missing file");
      path_ = target;
      std::free(target);
      if (::stat(path_.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
        throw refuse(fmt::format("is a symbolic link to '{}', which is not a regular file", path_));
    } else if (!S_ISREG(st.st_mode)) {
      throw refuse(S_ISDIR(st.st_mode) ? "is a folder" : "is not a regular file (a device, FIFO or socket)");
    }
  }
  std::string pattern = folder_of(path_) + "/." + name_of(path_) + ".XXXXXX.tmp";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  fd_ = ::mkstemps(buf.data(), 4);
  if (fd_ < 0) fail("cannot be created", errno);
  tmp_ = buf.data();
  ::fchmod(fd_, 0644);  // mkstemp makes 0600; a mapping file is meant to be shared
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !tmp_.empty()) ::unlink(tmp_.c_str());
}

void AtomicFile::fail(const char* step, int error) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
  tmp_.clear();
  throw DataError(fmt::format("{} '{}' {} ({}); expected a writable folder with free space (nothing was "
                              "written under that name)",
                              what_, path_, step, std::strerror(error)));
}

void AtomicFile::write(const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd_, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("cannot be written", n < 0 ? errno : ENOSPC);
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

void AtomicFile::commit() {
  if (::fsync(fd_) != 0) fail("cannot be written", errno);
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("cannot be written", errno);
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) fail("cannot be renamed into place", errno);
  committed_ = true;
  // The rename itself is durable once the folder is synced.
  int dir = ::open(folder_of(path_).c_str(), O_RDONLY | O_DIRECTORY);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

void write_file_atomically(const std::string& path, std::string_view bytes, const std::string& what) {
  AtomicFile f(path, what);
  f.write(bytes);
  f.commit();
}

bool is_atomic_temporary(std::string_view name) {
  return name.size() > 12 && name.front() == '.' && name.substr(name.size() - 4) == ".tmp" &&
         name[name.size() - 11] == '.';
}

}  // namespace classflow
