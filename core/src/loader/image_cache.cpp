#include "loader/image_cache.hpp"

#include <classflow/error.hpp>

#include <fmt/format.h>
#include <xxhash.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <atomic>
#include <mutex>
#include <vector>

namespace classflow::detail {

namespace {

constexpr char kMagic[8] = {'C', 'F', 'C', 'A', 'C', 'H', 'E', '1'};

// Fixed-size little header of a cache file; the key and the pixels follow.
struct FileHeader {
  char magic[8];
  uint32_t key_len;
  uint32_t height, width, channels;
  uint64_t pixels_hash;  // XXH3-64 of the pixels
};
static_assert(sizeof(FileHeader) == 32);

// dev:ino:size:mtime_ns of `path`, or nullopt when it cannot be stat'ed (then: never cached).
std::optional<std::string> file_identity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return fmt::format("{}:{}:{}:{}.{:09d}", static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                     static_cast<int64_t>(st.st_size), static_cast<int64_t>(st.st_mtim.tv_sec),
                     static_cast<int64_t>(st.st_mtim.tv_nsec));
}

bool read_all(int fd, void* data, std::size_t n) {
  auto* p = static_cast<char*>(data);
  while (n > 0) {
    const ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

bool write_all(int fd, const void* data, std::size_t n) {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t r = ::write(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

}  // namespace

std::string pixel_options_key(const LoaderOptions& o) {
  std::string bg = "none";
  if (o.alpha_background)
    bg = fmt::format("{},{},{}", (*o.alpha_background)[0], (*o.alpha_background)[1], (*o.alpha_background)[2]);
  return fmt::format("classflow-cache/1|{}x{}|{}|{}|aspect={}|bg={}|orient={}|draft={}", o.target_size[0],
                     o.target_size[1], name_of(o.color_mode), name_of(o.interpolation), o.keep_aspect_ratio ? 1 : 0,
                     bg, o.apply_orientation ? 1 : 0, jpeg_draft_margin(o));
}

struct ImageCache::Impl {
  bool memory = false;
  std::string folder;
  std::string options_key;
  mutable std::mutex mutex;
  mutable std::atomic<bool> disabled{false};  // read by every worker without the lock
  mutable std::vector<std::string> warnings;
  struct Entry {
    std::string identity;
    cv::Mat image;
  };
  mutable std::vector<std::shared_ptr<const Entry>> entries;  // memory: by sample

  std::string key_of(const std::string& path, const std::string& identity) const {
    return path + "|" + identity + "|" + options_key;
  }
  std::string file_of(const std::string& key) const {
    const XXH128_hash_t h = XXH3_128bits(key.data(), key.size());
    return fmt::format("{}/{:016x}{:016x}.cfc", folder, h.high64, h.low64);
  }
  void turn_off(const std::string& why) const {
    std::lock_guard<std::mutex> lock(mutex);
    if (disabled.exchange(true)) return;
    warnings.push_back(fmt::format("image cache '{}' turned off: {}; batches are made without it", folder, why));
  }
};

ImageCache::ImageCache(std::string location, const LoaderOptions& options, int64_t num_samples)
    : impl_(std::make_unique<Impl>()) {
  impl_->options_key = pixel_options_key(options);
  if (location == "memory") {
    impl_->memory = true;
    impl_->entries.resize(static_cast<std::size_t>(num_samples));
    return;
  }
  impl_->folder = std::move(location);
  std::error_code ec;
  std::filesystem::create_directories(impl_->folder, ec);
  if (ec || !std::filesystem::is_directory(impl_->folder))
    throw DataError(fmt::format(
        "cache folder '{}' cannot be created: {}; expected a writable folder, or --cache memory (cache='memory')",
        impl_->folder, ec ? ec.message() : "not a folder"));
  if (::access(impl_->folder.c_str(), W_OK | X_OK) != 0)
    throw DataError(fmt::format(
        "cache folder '{}' is not writable: {}; expected a writable folder, or --cache memory (cache='memory')",
        impl_->folder, std::strerror(errno)));
}

ImageCache::~ImageCache() = default;

std::vector<std::string> ImageCache::warnings() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->warnings;
}

std::optional<cv::Mat> ImageCache::get(int64_t sample, const std::string& path) const {
  const auto identity = file_identity(path);
  if (!identity) return std::nullopt;
  if (impl_->memory) {
    std::shared_ptr<const Impl::Entry> e;
    {
      std::lock_guard<std::mutex> lock(impl_->mutex);
      e = impl_->entries[static_cast<std::size_t>(sample)];
    }
    if (!e || e->identity != *identity) return std::nullopt;
    return e->image;  // shared, read-only: callers copy before changing pixels
  }
  if (impl_->disabled) return std::nullopt;
  const std::string key = impl_->key_of(path, *identity);
  const int fd = ::open(impl_->file_of(key).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::optional<cv::Mat> result;
  FileHeader h{};
  struct stat st {};
  if (::fstat(fd, &st) == 0 && read_all(fd, &h, sizeof h) && std::memcmp(h.magic, kMagic, 8) == 0 &&
      h.key_len == key.size() && h.channels >= 1 && h.channels <= 4 && h.height >= 1 && h.width >= 1 &&
      h.height <= 65535 && h.width <= 65535) {
    const std::size_t pixels = static_cast<std::size_t>(h.height) * h.width * h.channels;
    if (static_cast<uint64_t>(st.st_size) == sizeof h + h.key_len + pixels) {
      // One read of key + pixels into this thread's buffer (no allocation, no page faults per
      // image); the Mat views it until this thread's next get, and the store copies it first.
      thread_local std::vector<uint8_t> buffer;
      if (buffer.size() < h.key_len + pixels) buffer.resize(h.key_len + pixels);
      if (read_all(fd, buffer.data(), h.key_len + pixels) &&
          std::memcmp(buffer.data(), key.data(), key.size()) == 0 &&
          XXH3_64bits(buffer.data() + h.key_len, pixels) == h.pixels_hash)
        result = cv::Mat(static_cast<int>(h.height), static_cast<int>(h.width), CV_8UC(static_cast<int>(h.channels)),
                         buffer.data() + h.key_len);
    }
  }
  ::close(fd);
  return result;  // anything that fails a check is a miss: decoded again and rewritten
}

void ImageCache::put(int64_t sample, const std::string& path, const cv::Mat& image) const {
  const auto identity = file_identity(path);
  if (!identity) return;
  if (impl_->memory) {
    auto e = std::make_shared<Impl::Entry>();
    e->identity = *identity;
    e->image = image.clone();
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->entries[static_cast<std::size_t>(sample)] = std::move(e);
    return;
  }
  if (impl_->disabled) return;
  const std::string key = impl_->key_of(path, *identity);
  const std::string file = impl_->file_of(key);
  cv::Mat m = image.isContinuous() ? image : image.clone();
  const std::size_t pixels = m.total() * m.elemSize();
  FileHeader h{};
  std::memcpy(h.magic, kMagic, 8);
  h.key_len = static_cast<uint32_t>(key.size());
  h.height = static_cast<uint32_t>(m.rows);
  h.width = static_cast<uint32_t>(m.cols);
  h.channels = static_cast<uint32_t>(m.channels());
  h.pixels_hash = XXH3_64bits(m.data, pixels);
  // A temporary in the same folder, renamed over the name: readers see a whole file or none. No
  // fsync: a file torn by a crash fails the checksum and is rebuilt.
  std::string tmp = file + ".XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) {
    impl_->turn_off(fmt::format("a file cannot be created in it ({})", std::strerror(errno)));
    return;
  }
  const bool ok = write_all(fd, &h, sizeof h) && write_all(fd, key.data(), key.size()) && write_all(fd, m.data, pixels);
  const int err = errno;
  if (::close(fd) != 0 || !ok || ::rename(tmp.c_str(), file.c_str()) != 0) {
    ::unlink(tmp.c_str());
    impl_->turn_off(fmt::format("writing '{}' failed ({})", file, std::strerror(ok ? errno : err)));
  }
}

}  // namespace classflow::detail
