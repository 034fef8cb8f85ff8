// classflow core: exception types; each maps to a documented CLI exit code.
#pragma once

#include <classflow/export.hpp>

#include <stdexcept>
#include <string>

namespace classflow {

/// Base of every error the core throws. Messages read `<what> '<value>' <problem>; expected
/// <constraint>` and name the file involved. A NUL byte in the message (from a value the user
/// gave) reads `\0`: what() is a C string, and the message would end there.
class CLASSFLOW_CORE_API Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(visible_nul(message)) {}
  /// CLI exit code for this error (see README "Exit codes").
  virtual int exit_code() const noexcept { return 1; }

 private:
  static std::string visible_nul(const std::string& text) {
    if (text.find('\0') == std::string::npos) return text;
    std::string out;
    for (char c : text) c == '\0' ? out += "\\0" : out += c;
    return out;
  }
};

/// A bad option or flag value (exit code 2).
class CLASSFLOW_CORE_API UsageError : public Error {
 public:
  using Error::Error;
  int exit_code() const noexcept override { return 2; }
};

/// Data that cannot be used as asked: no classes, empty class, binary with 3 classes,
/// a corrupt image, a mapping that does not match (exit code 3).
class CLASSFLOW_CORE_API DataError : public Error {
 public:
  using Error::Error;
  int exit_code() const noexcept override { return 3; }
};

/// A plugin missing, refused, or failing inside a call; the message names the plugin (exit 4).
class CLASSFLOW_CORE_API PluginError : public Error {
 public:
  using Error::Error;
  int exit_code() const noexcept override { return 4; }
};

}  // namespace classflow
