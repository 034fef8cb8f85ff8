// classflow core: files written whole or not at all (mapping files, exports).
#pragma once

#include <classflow/export.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace classflow {

/// Writes `path` atomically: bytes go to a temporary file in the same folder (".<name>.XXXXXX.tmp"),
/// which is flushed, fsync'ed, checked and renamed over `path`, then the folder is fsync'ed. Until
/// commit() a reader sees the old file (or none); a failure or a destructor without commit()
/// removes the temporary. Nothing is reported done that is not on disk: every write, fsync and
/// close is checked (a full disk is an error, never a 0-byte file).
class CLASSFLOW_CORE_API AtomicFile {
 public:
  /// Opens the temporary. `what` names the file in messages (e.g. "mapping file").
  /// @throws DataError naming `path` and the reason when the folder is not writable.
  AtomicFile(std::string path, std::string what);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  /// Appends bytes. @throws DataError naming the path and the reason (e.g. "No space left on device").
  void write(const void* data, std::size_t size);
  void write(std::string_view text) { write(text.data(), text.size()); }
  /// Makes the file visible under its name. @throws DataError as write().
  void commit();
  /// The temporary's path (for tests and messages).
  const std::string& temporary() const noexcept { return tmp_; }

 private:
  [[noreturn]] void fail(const char* step, int error);
  std::string path_;
  std::string what_;
  std::string tmp_;
  int fd_ = -1;
  bool committed_ = false;
};

/// Writes `bytes` to `path` with AtomicFile. @throws DataError naming the path and the reason.
CLASSFLOW_CORE_API void write_file_atomically(const std::string& path, std::string_view bytes,
                                              const std::string& what);

/// True for the name of an AtomicFile temporary (".<name>.XXXXXX.tmp"), e.g. one left by a
/// process that was killed mid-write.
CLASSFLOW_CORE_API bool is_atomic_temporary(std::string_view file_name);

}  // namespace classflow
