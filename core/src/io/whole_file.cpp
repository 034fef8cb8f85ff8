#include "io/whole_file.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace classflow::detail {

namespace {
// Closes the descriptor on every way out.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};
}  // namespace

WholeFile read_whole_file(const std::string& path, std::uint64_t max_bytes) {
  WholeFile f;
  if (path.find('\0') != std::string::npos) {  // open() would read another name: the part before it
    f.status = WholeFileStatus::nul_in_name;
    return f;
  }
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  Fd fd{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  if (fd.fd < 0) {
    struct stat st {};
    if (errno == ENOENT || errno == ENOTDIR)
      f.status = WholeFileStatus::missing;
    else if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
      f.status = WholeFileStatus::folder;
    return f;
  }
  struct stat st {};
  if (::fstat(fd.fd, &st) != 0) return f;
  if (S_ISDIR(st.st_mode)) {
    f.status = WholeFileStatus::folder;
    return f;
  }
  if (!S_ISREG(st.st_mode)) {
    f.status = WholeFileStatus::not_regular;
    return f;
  }
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    f.status = WholeFileStatus::too_large;
    return f;
  }
  // One byte more than the file says it holds: the end shows as a short read, and a file that
  // grew or reports size 0 and has content (/proc) is read on, up to one byte past the limit.
  f.bytes.resize(static_cast<std::size_t>(st.st_size) + 1);
  std::size_t done = 0;
  for (;;) {
    if (done == f.bytes.size()) {
      if (done > max_bytes) {
        f.bytes.clear();
        f.status = WholeFileStatus::too_large;
        return f;
      }
      f.bytes.resize(std::min<std::uint64_t>(max_bytes + 1, std::max<std::uint64_t>(4096, done * 2)));
    }
    const ssize_t n = ::read(fd.fd, f.bytes.data() + done, f.bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {  // EAGAIN (a /proc entry that would block), EIO, ...
      f.bytes.clear();
      return f;
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  f.bytes.resize(done);
  f.status = WholeFileStatus::ok;
  return f;
}

std::string why_not_read(const WholeFile& file, std::uint64_t max_bytes) {
  switch (file.status) {
    case WholeFileStatus::ok:
      return {};
    case WholeFileStatus::missing:
      return "does not exist";
    case WholeFileStatus::unreadable:
      return "cannot be read";
    case WholeFileStatus::folder:
      return "is a folder";
    case WholeFileStatus::not_regular:
      return "is not a regular file";
    case WholeFileStatus::too_large:
      return fmt::format("holds more than the {} bytes allowed", max_bytes);
    case WholeFileStatus::nul_in_name:
      return "has a NUL character in its name";
  }
  return "cannot be read";
}

}  // namespace classflow::detail
