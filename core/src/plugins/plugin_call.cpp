#include "plugins/plugin_call.hpp"

#include <classflow/error.hpp>

#include <fmt/format.h>

namespace classflow::detail {

std::string describe(const PluginRef& p) { return fmt::format("{} '{}' (plugin '{}')", p.kind, p.name, p.file); }

void PluginCall::check(int32_t rc, std::string_view context) const {
  if (rc == CF_OK) return;
  // A plugin that forgot the message still gets a readable error.
  std::string_view text = status_.message[0] != '\0' ? std::string_view(status_.message) : "no message";
  std::string message = context.empty() ? std::string(text) : fmt::format("{}: {}", context, text);
  switch (rc) {
    case CF_ERROR_INVALID_ARGUMENT: throw UsageError(message);
    case CF_ERROR_DATA:
    case CF_ERROR_UNSUPPORTED: throw DataError(message);
    default:
      throw PluginError(context.empty()
                            ? fmt::format("{} failed in {}: {}", describe(plugin_), function_, text)
                            : fmt::format("{}: {} failed in {}: {}", context, describe(plugin_), function_, text));
  }
}

void PluginCall::violation(const std::string& problem) const {
  throw PluginError(fmt::format("{} {}", describe(plugin_), problem));
}

void refuse_nul(std::string_view what, const std::string& value) {
  if (value.find('\0') != std::string::npos)
    throw UsageError(
        fmt::format("{} '{}' has a NUL character; expected text without one (no path or name has it)", what, value));
}

std::vector<cf_option> c_options(const std::vector<std::pair<std::string, std::string>>& options) {
  std::vector<cf_option> out;
  out.reserve(options.size());
  for (const auto& [key, value] : options) {
    refuse_nul("option", key);
    refuse_nul(fmt::format("option '{}' value", key), value);
    out.push_back({key.c_str(), value.c_str()});
  }
  return out;
}

}  // namespace classflow::detail
