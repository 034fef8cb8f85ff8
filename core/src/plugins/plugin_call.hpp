// The caller side of the plugin ABI: every vtable call the core makes goes through PluginCall,
// which fills struct_size, owns the status and turns a failure into the same typed error for
// every plugin kind (after onnxruntime_cxx_api.h's ThrowOnError). Private to the core.
#pragma once

#include <classflow/sdk/abi.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace classflow {
class Registry;
}

namespace classflow::detail {

/// A C struct of the ABI, zeroed, with struct_size set (the host side of "struct_size travels").
template <class T>
T sized() {
  T t{};
  t.struct_size = sizeof(T);
  return t;
}

/// Names a plugin in messages: "<kind> '<name>' (plugin '<file>')".
struct PluginRef {
  std::string_view kind;  ///< "source" | "decoder" | "encoder"
  std::string_view name;  ///< the registered name, e.g. "jpeg"
  std::string_view file;  ///< the library that provides it
};

/// One call into a plugin: pass status() to the vtable function, then check() its return code.
/// Mapping (the same for every kind): CF_ERROR_INVALID_ARGUMENT -> UsageError (exit 2);
/// CF_ERROR_DATA and CF_ERROR_UNSUPPORTED -> DataError (exit 3); anything else -> PluginError
/// (exit 4) naming the plugin, its file and the function. Usage and data messages are the
/// plugin's own text (it names the value and the fix), prefixed by `context` when given.
class PluginCall {
 public:
  PluginCall(PluginRef plugin, std::string_view function) : plugin_(plugin), function_(function) {}
  cf_status* status() noexcept { return &status_; }
  /// The plugin's message (empty before a failure).
  std::string_view message() const noexcept { return status_.message; }
  /// Throws the mapped error when rc != CF_OK. `context` (e.g. "image file 'x' cannot be
  /// decoded") goes before the plugin's message as "<context>: <message>".
  void check(int32_t rc, std::string_view context = {}) const;
  /// Throws PluginError naming the plugin for a contract violation the host detected (e.g. a
  /// label rank out of range): "<kind> '<name>' (plugin '<file>') <problem>".
  [[noreturn]] void violation(const std::string& problem) const;

 private:
  PluginRef plugin_;
  std::string_view function_;
  cf_status status_ = sized<cf_status>();
};

/// "<kind> '<name>' (plugin '<file>')" for messages.
std::string describe(const PluginRef& plugin);

/// A name no loaded plugin of `kind` provides, given as `option` (e.g. class_mode 'onehot').
/// @throws PluginError (exit 4) when the library that would provide it was refused (naming it and
/// why) or when no plugin of the kind is loaded at all; else UsageError (exit 2) listing `choices`.
[[noreturn]] void throw_unknown_plugin(const Registry& registry, const std::string& kind, const std::string& option,
                                       const std::string& name, std::vector<std::string> choices);

/// Text handed to a plugin travels as C strings, which end at a NUL: a value holding one would
/// reach the plugin as another (a folder, a class, an option value). @throws UsageError naming
/// `what` and the value (its NUL shown as \0).
void refuse_nul(std::string_view what, const std::string& value);

/// `options` as the ABI's cf_option array (pointers into `options`, which must outlive it), each
/// key and value checked by refuse_nul. @throws UsageError as refuse_nul.
std::vector<cf_option> c_options(const std::vector<std::pair<std::string, std::string>>& options);

}  // namespace classflow::detail
