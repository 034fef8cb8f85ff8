// classflow SDK: errors inside a plugin and their translation to cf_status at the boundary.
#pragma once

#include <classflow/sdk/abi.h>

#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>

namespace classflow::sdk {
inline namespace v1 {

/// Error a plugin throws; the adapters turn it into a cf_status with the same code and text.
/// Messages follow the house form: `<what> '<value>' <problem>; expected <constraint>`.
class Error : public std::runtime_error {
 public:
  /// @param code a cf_status_code other than CF_OK.
  Error(cf_status_code code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  /// The cf_status_code carried across the ABI.
  cf_status_code code() const noexcept { return code_; }

 private:
  cf_status_code code_;
};

/// Thrown for a bad option or an unmet precondition (maps to CF_ERROR_INVALID_ARGUMENT).
struct InvalidArgument : Error {
  explicit InvalidArgument(const std::string& message)
      : Error(CF_ERROR_INVALID_ARGUMENT, message) {}
};

/// Thrown for bad input data such as a corrupt image (maps to CF_ERROR_DATA).
struct DataError : Error {
  explicit DataError(const std::string& message) : Error(CF_ERROR_DATA, message) {}
};

namespace detail {

/// Writes code and message into a caller-owned status; truncates, always NUL-terminates.
inline void set_status(cf_status* status, int32_t code, const char* message) noexcept {
  if (status == nullptr) return;
  status->code = code;
  std::strncpy(status->message, message, CF_STATUS_MESSAGE_SIZE - 1);
  status->message[CF_STATUS_MESSAGE_SIZE - 1] = '\0';
}

/// Runs f and converts any exception into a status code, so none crosses the C boundary.
template <class F>
int32_t guard(cf_status* status, F&& f) noexcept {
  try {
    f();
    set_status(status, CF_OK, "");
    return CF_OK;
  } catch (const Error& e) {
    set_status(status, e.code(), e.what());
    return e.code();
  } catch (const std::exception& e) {
    set_status(status, CF_ERROR_INTERNAL, e.what());
    return CF_ERROR_INTERNAL;
  } catch (...) {
    set_status(status, CF_ERROR_INTERNAL, "unknown exception");
    return CF_ERROR_INTERNAL;
  }
}

}  // namespace detail
}  // namespace v1
}  // namespace classflow::sdk
