// A small file the user names (a mapping, predictions, weights, a state file, a list), read whole.
// Private to the core.
#pragma once

#include <cstdint>
#include <string>

namespace classflow::detail {

/// What read_whole_file found.
enum class WholeFileStatus {
  ok,
  missing,      ///< no such file (or a dangling link)
  unreadable,   ///< no permission, or a read error
  folder,       ///< a directory
  not_regular,  ///< a FIFO, device or socket: a FIFO would block, /dev/zero never end
  too_large,    ///< more bytes than the caller allows
  nul_in_name,  ///< the path holds a NUL byte: no file has such a name (the OS would cut it there)
};

/// The bytes of `path` and whether it could be read.
struct WholeFile {
  WholeFileStatus status = WholeFileStatus::unreadable;
  std::string bytes;  ///< the whole file when status is ok, else empty
};

/// Reads the regular file `path` whole, at most `max_bytes` of it. Opened without blocking and
/// checked on the open file (fstat), so a path swapped for a FIFO after a check cannot block;
/// a file that does not end (a /proc or /sys entry) stops at max_bytes. Never throws for a bad
/// path: the caller words the error (its kind and the fix depend on what the file is for).
/// @throws std::bad_alloc only.
WholeFile read_whole_file(const std::string& path, std::uint64_t max_bytes);

/// Why a file was not read, to fit "<what> '<path>' {}; expected ...": "does not exist",
/// "cannot be read", "is a folder", "is not a regular file", "holds more than the 16777216
/// bytes allowed", "has a NUL character in its name"; empty for ok.
std::string why_not_read(const WholeFile& file, std::uint64_t max_bytes);

}  // namespace classflow::detail
