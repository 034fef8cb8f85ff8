// `classflow plugins`: what was loaded from where, and what was refused and why.
#include "common.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>

namespace classflow::cli {

int run_plugins_command(const PluginOptions& plugins, const std::string& format) {
  Format kind = parse_format(format);
  auto registry = plugins.make_registry();
  if (kind == Format::json) {
    nlohmann::ordered_json j;
    j["search_path"] = registry->search_path();
    j["abi"] = fmt::format("{}.{}", CF_ABI_VERSION_MAJOR, CF_ABI_VERSION_MINOR);
    nlohmann::ordered_json loaded = nlohmann::ordered_json::array();
    for (const auto& p : registry->plugins()) {
      nlohmann::ordered_json e;
      e["kind"] = p.kind;
      e["name"] = p.name;
      e["plugin"] = p.plugin;
      e["version"] = p.version;
      e["abi"] = fmt::format("{}.{}", p.abi_major, p.abi_minor);
      e["license"] = p.license;
      e["file"] = p.file;
      e["builtin"] = p.builtin;
      e["description"] = p.description;
      if (p.kind == "decoder") e["extensions"] = p.extensions;
      loaded.push_back(e);
    }
    j["plugins"] = loaded;
    nlohmann::ordered_json refused = nlohmann::ordered_json::array();
    for (const auto& r : registry->refused()) refused.push_back({{"file", r.file}, {"reason", r.reason}});
    j["refused"] = refused;
    nlohmann::ordered_json overridden = nlohmann::ordered_json::array();
    for (const auto& r : registry->overridden()) overridden.push_back({{"file", r.file}, {"reason", r.reason}});
    j["overridden"] = overridden;
    j["warnings"] = registry->warnings();
    std::cout << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
    return 0;
  }
  fmt::print("classflow plugin ABI {}.{}; search path:\n", CF_ABI_VERSION_MAJOR, CF_ABI_VERSION_MINOR);
  for (const auto& d : registry->search_path()) fmt::print("  {}\n", d);
  fmt::print("loaded ({}):\n", registry->plugins().size());
  fmt::print("  {:<8} {:<12} {:<8} {:<4} {}\n", "kind", "name", "version", "abi", "file / description");
  for (const auto& p : registry->plugins()) {
    fmt::print("  {:<8} {:<12} {:<8} {:<4} {}\n", p.kind, p.name, p.version, fmt::format("{}.{}", p.abi_major, p.abi_minor),
               p.file);
    std::string desc = p.description;
    if (!p.extensions.empty()) desc += fmt::format(" [{}]", fmt::join(p.extensions, " "));
    fmt::print("  {:<8} {:<12} {:<8} {:<4} {}\n", "", "", "", "", desc);
  }
  fmt::print("refused ({}):\n", registry->refused().size());
  for (const auto& r : registry->refused()) fmt::print("  {}: {}\n", r.file, r.reason);
  if (!registry->overridden().empty()) {
    fmt::print("overriding built-ins ({}):\n", registry->overridden().size());
    for (const auto& r : registry->overridden()) fmt::print("  {}: {}\n", r.file, r.reason);
  }
  return 0;
}

}  // namespace classflow::cli
