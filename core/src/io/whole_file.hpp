// A small file the user names (a mapping, predictions, weights, a state file, a list), read whole.
// Private to the core.
#pragma once

#include <string>
#include <string_view>

namespace classflow::detail {

/// What read_whole_file found.
enum class WholeFileStatus {
  ok,
  unreadable,   ///< missing, no permission, or a read error
  folder,       ///< a directory
  not_regular,  ///< a FIFO, device or socket: a FIFO would block, /dev/zero never end
};

/// The bytes of `path` and whether it could be read. Only a regular file (or a link to one) is
/// opened; anything else is refused before a read.
struct WholeFile {
  WholeFileStatus status = WholeFileStatus::unreadable;
  std::string bytes;  ///< the whole file when status is ok, else empty
};

/// Reads the regular file `path` whole. Never throws for a bad path: the caller words the error
/// (its kind and the fix depend on what the file is for). @throws std::bad_alloc only.
WholeFile read_whole_file(const std::string& path);

/// How a message says why a file was not read: "cannot be read", "is a folder", "is not a
/// regular file"; empty for ok. Fits "<what> '<path>' {}; expected ...".
std::string_view why_not_read(WholeFileStatus status) noexcept;

}  // namespace classflow::detail
