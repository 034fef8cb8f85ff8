// Test support: a temporary folder under /tmp that builds dataset trees and removes itself.
#pragma once

#include <string>
#include <string_view>

namespace classflow::test {

/// A fresh folder `/tmp/classflow-test-XXXXXX`, removed with everything in it on destruction.
/// Relative paths use '/' and are taken as UTF-8 bytes unchanged; parent folders are created
/// as needed. Every helper throws std::runtime_error naming the path when the filesystem fails.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  /// Absolute path of the folder (no trailing '/').
  const std::string& path() const noexcept { return path_; }
  /// Absolute path of `rel` inside the folder.
  std::string path(std::string_view rel) const;

  /// Creates an empty file at `rel` (or leaves an existing one unchanged); returns its path.
  std::string touch(std::string_view rel) const;
  /// Writes `bytes` to `rel`, replacing any content; returns its path.
  std::string write_file(std::string_view rel, std::string_view bytes) const;
  /// Creates folder `rel` and its parents; returns its path.
  std::string mkdir(std::string_view rel) const;
  /// Creates a symbolic link at `rel` whose content is `target` verbatim (relative targets
  /// resolve from the link's folder, may dangle); returns the link's path.
  std::string symlink(std::string_view target, std::string_view rel) const;

 private:
  std::string path_;
};

}  // namespace classflow::test
