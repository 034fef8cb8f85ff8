// Registry: plugin discovery and the load-time handshake (Boost.DLL).
#include <classflow/error.hpp>
#include <classflow/registry.hpp>

#include "plugins/plugin_call.hpp"

#include <sys/stat.h>

#include <boost/dll/library_info.hpp>
#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <boost/filesystem.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

namespace classflow {

namespace fs = boost::filesystem;

namespace {

// Smallest struct sizes this host can use: up to and including the last field it calls.
constexpr std::size_t kMinEncoderSize = offsetof(cf_encoder_vtable, decode) + sizeof(void*);
constexpr std::size_t kMinDecoderSize = offsetof(cf_decoder_vtable, decode) + sizeof(void*);
constexpr std::size_t kMinSourceSize = offsetof(cf_source_vtable, scan) + sizeof(void*);
constexpr std::size_t kMinTransformSize = offsetof(cf_transform_vtable, apply) + sizeof(void*);
constexpr std::size_t kMinDescriptorSize = offsetof(cf_plugin_descriptor, register_plugin) + sizeof(void*);

std::vector<std::string> split_path_list(const char* text) {
  std::vector<std::string> out;
  if (text == nullptr) return out;
  std::string s(text);
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t end = s.find(':', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool is_plugin_file_name(const std::string& name) {
  return name.rfind("classflow_", 0) == 0 && name.size() > 3 && name.compare(name.size() - 3, 3, ".so") == 0;
}

}  // namespace

struct Registry::Impl {
  struct EncoderSlot {
    const cf_encoder_vtable* vtable;
    std::string file;
    std::shared_ptr<void> library;
  };
  struct TransformSlot {
    const cf_transform_vtable* vtable;
    std::string file;
    std::shared_ptr<void> library;
  };

  std::vector<std::string> search_path;
  std::vector<PluginInfo> plugins;
  std::vector<RefusedPlugin> refused;
  std::vector<RefusedPlugin> overridden;  // (file, what it replaced)
  std::vector<std::string> warnings;
  std::map<std::string, EncoderSlot> encoders;
  std::map<std::string, TransformSlot> transforms;
  std::vector<DecoderEntry> decoders;
  std::vector<SourceEntry> sources;
  std::vector<std::shared_ptr<boost::dll::shared_library>> libraries;
  std::set<std::string> loaded_real_paths;
  std::string builtin_dir;              // canonical folder of the built-in plugins ("" = none)
  std::set<std::string> overrides;      // "kind:name" a plugin outside it may take over
  bool loading_builtins = false;

  // Kinds a plugin registers are staged, then committed only if the whole registration works.
  struct Staging {
    Impl* self;
    std::string file;
    const cf_plugin_descriptor* descriptor;
    std::vector<const cf_encoder_vtable*> encoders;
    std::vector<const cf_decoder_vtable*> decoders;
    std::vector<const cf_source_vtable*> sources;
    std::vector<const cf_transform_vtable*> transforms;
    std::vector<std::pair<std::string, std::string>> replaces;  // (kind, name) of built-ins overridden
  };

  static int32_t refuse(cf_status* st, const std::string& message) {
    if (st) {
      st->code = CF_ERROR_INVALID_ARGUMENT;
      std::snprintf(st->message, CF_STATUS_MESSAGE_SIZE, "%s", message.c_str());
    }
    return CF_ERROR_INVALID_ARGUMENT;
  }

  bool is_builtin(const std::string& kind, const std::string& name) const {
    for (const auto& p : plugins)
      if (p.kind == kind && p.name == name) return p.builtin;
    return false;
  }

  // Removes a built-in kind a user plugin replaces (--plugin-override); its library stays loaded.
  void drop(const std::string& kind, const std::string& name) {
    plugins.erase(std::remove_if(plugins.begin(), plugins.end(),
                                 [&](const PluginInfo& p) { return p.kind == kind && p.name == name; }),
                  plugins.end());
    if (kind == "encoder") encoders.erase(name);
    if (kind == "transform") transforms.erase(name);
    if (kind == "decoder")
      decoders.erase(std::remove_if(decoders.begin(), decoders.end(),
                                    [&](const DecoderEntry& d) { return name == d.vtable->name; }),
                     decoders.end());
    if (kind == "source")
      sources.erase(std::remove_if(sources.begin(), sources.end(),
                                   [&](const SourceEntry& e) { return name == e.vtable->name; }),
                    sources.end());
  }

  std::string owner_of(const std::string& kind, const std::string& name) const {
    for (const auto& p : plugins)
      if (p.kind == kind && p.name == name) return p.file;
    return {};
  }

  static int32_t check_name(Staging* s, const std::string& kind, const char* name, cf_status* st) {
    if (name == nullptr || *name == '\0') return refuse(st, kind + " has no name; expected a non-empty name");
    std::string owner = s->self->owner_of(kind, name);
    bool staged = false;
    if (kind == "encoder")
      for (auto* v : s->encoders) staged = staged || std::string(v->name) == name;
    if (kind == "decoder")
      for (auto* v : s->decoders) staged = staged || std::string(v->name) == name;
    if (kind == "source")
      for (auto* v : s->sources) staged = staged || std::string(v->name) == name;
    if (kind == "transform")
      for (auto* v : s->transforms) staged = staged || std::string(v->name) == name;
    if (staged)
      return refuse(st, fmt::format("{} '{}' is registered twice by '{}'; expected unique names", kind, name, s->file));
    if (owner.empty()) return CF_OK;
    // A built-in name is the built-in's, unless the user asked for the override by name: a plugin
    // must never silently change what `categorical` means.
    const bool builtin = s->self->is_builtin(kind, name);
    if (builtin && s->self->overrides.count(kind + ":" + name)) {
      s->replaces.emplace_back(kind, name);
      return CF_OK;
    }
    if (builtin)
      return refuse(st, fmt::format("{} '{}' is a built-in name, provided by '{}'; expected another name, or "
                                    "--plugin-override {}:{} to replace the built-in",
                                    kind, name, owner, kind, name));
    return refuse(st, fmt::format("{} '{}' is already provided by '{}'; expected unique names (remove one "
                                  "of the two plugins from the plugin path)",
                                  kind, name, owner));
  }

  static int32_t add_encoder(void* ctx, const cf_encoder_vtable* v, cf_status* st) {
    auto* s = static_cast<Staging*>(ctx);
    if (v == nullptr || v->struct_size < kMinEncoderSize)
      return refuse(st, fmt::format("encoder vtable struct_size got {}, expected at least {}",
                                    v ? v->struct_size : 0, kMinEncoderSize));
    if (!v->create || !v->destroy || !v->label_desc || !v->encode || !v->decode)
      return refuse(st, "encoder vtable has a null function; expected all of create, destroy, label_desc, "
                        "encode, decode");
    if (int32_t rc = check_name(s, "encoder", v->name, st); rc != CF_OK) return rc;
    s->encoders.push_back(v);
    return CF_OK;
  }
  static int32_t add_decoder(void* ctx, const cf_decoder_vtable* v, cf_status* st) {
    auto* s = static_cast<Staging*>(ctx);
    if (v == nullptr || v->struct_size < kMinDecoderSize)
      return refuse(st, fmt::format("decoder vtable struct_size got {}, expected at least {}",
                                    v ? v->struct_size : 0, kMinDecoderSize));
    if (!v->sniff || !v->plan || !v->decode || !v->extensions)
      return refuse(st, "decoder vtable has a null member; expected extensions, sniff, plan, decode");
    if (int32_t rc = check_name(s, "decoder", v->name, st); rc != CF_OK) return rc;
    s->decoders.push_back(v);
    return CF_OK;
  }
  static int32_t add_source(void* ctx, const cf_source_vtable* v, cf_status* st) {
    auto* s = static_cast<Staging*>(ctx);
    if (v == nullptr || v->struct_size < kMinSourceSize)
      return refuse(st, fmt::format("source vtable struct_size got {}, expected at least {}",
                                    v ? v->struct_size : 0, kMinSourceSize));
    if (!v->probe || !v->scan) return refuse(st, "source vtable has a null function; expected probe, scan");
    if (int32_t rc = check_name(s, "source", v->name, st); rc != CF_OK) return rc;
    s->sources.push_back(v);
    return CF_OK;
  }

  // Code anyone can write is code anyone can make classflow run: say so, naming the path.
  void warn_if_world_writable(const std::string& path, bool folder) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return;
    const bool shared = (st.st_mode & S_IWOTH) != 0 && !(folder && (st.st_mode & S_ISVTX) != 0);
    if (shared)
      warnings.push_back(fmt::format("plugin {} '{}' is writable by every user: anyone could make classflow load "
                                     "their code; expected chmod o-w '{}'",
                                     folder ? "folder" : "file", path, path));
  }

  static int32_t add_transform(void* ctx, const cf_transform_vtable* v, cf_status* st) {
    auto* s = static_cast<Staging*>(ctx);
    if (v == nullptr || v->struct_size < kMinTransformSize)
      return refuse(st, fmt::format("transform vtable struct_size got {}, expected at least {}",
                                    v ? v->struct_size : 0, kMinTransformSize));
    if (!v->create || !v->destroy || !v->apply)
      return refuse(st, "transform vtable has a null function; expected create, destroy, apply");
    if (v->stage != CF_TRANSFORM_BEFORE_RESIZE && v->stage != CF_TRANSFORM_AFTER_RESIZE)
      return refuse(st, fmt::format("transform stage got {}, expected {} (before resize) or {} (after resize)",
                                    v->stage, static_cast<int>(CF_TRANSFORM_BEFORE_RESIZE),
                                    static_cast<int>(CF_TRANSFORM_AFTER_RESIZE)));
    if (int32_t rc = check_name(s, "transform", v->name, st); rc != CF_OK) return rc;
    s->transforms.push_back(v);
    return CF_OK;
  }

  void load_dir(const std::string& dir) {
    boost::system::error_code ec;
    if (!fs::is_directory(dir, ec)) return;
    warn_if_world_writable(dir, true);
    std::vector<fs::path> files;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (is_plugin_file_name(name)) files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) load_file(f);
  }

  void load_file(const fs::path& path) {
    boost::system::error_code ec;
    fs::path real = fs::canonical(path, ec);
    std::string file = (ec ? path : real).string();
    if (!loaded_real_paths.insert(file).second) return;  // same library reached twice
    if (!fs::is_regular_file(real, ec)) {
      refused.push_back({file, "not a regular file; expected a shared library"});
      return;
    }
    warn_if_world_writable(file, false);
    // Read the export table without running any code from the file (Boost.DLL library_info).
    try {
      boost::dll::library_info info(real, true);
      auto symbols = info.symbols();
      if (std::find(symbols.begin(), symbols.end(), CF_PLUGIN_ENTRY_SYMBOL) == symbols.end()) {
        refused.push_back({file, fmt::format("no entry point '{}' exported; expected a library built with "
                                             "the CLASSFLOW_PLUGIN block of the classflow SDK",
                                             CF_PLUGIN_ENTRY_SYMBOL)});
        return;
      }
    } catch (const std::exception& e) {
      refused.push_back({file, fmt::format("not a shared library ({}); expected an ELF .so built with the "
                                           "classflow SDK",
                                           e.what())});
      return;
    }
    std::shared_ptr<boost::dll::shared_library> lib;
    try {
      // rtld_now: a missing symbol fails here, naming this plugin, not later mid-epoch.
      lib = std::make_shared<boost::dll::shared_library>(
          real, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
    } catch (const std::exception& e) {
      refused.push_back({file, fmt::format("cannot be loaded: {}", e.what())});
      return;
    }
    const cf_plugin_descriptor* d = nullptr;
    try {
      auto& entry = lib->get<const cf_plugin_descriptor*()>(CF_PLUGIN_ENTRY_SYMBOL);
      d = entry();
    } catch (const std::exception& e) {
      refused.push_back({file, fmt::format("entry point '{}' cannot be called: {}", CF_PLUGIN_ENTRY_SYMBOL, e.what())});
      return;
    }
    if (d == nullptr) {
      refused.push_back({file, "entry point returned no descriptor; expected a cf_plugin_descriptor"});
      return;
    }
    if (d->struct_size < kMinDescriptorSize) {
      refused.push_back({file, fmt::format("descriptor struct_size got {}, expected at least {}", d->struct_size,
                                           kMinDescriptorSize)});
      return;
    }
    if (d->abi_major != CF_ABI_VERSION_MAJOR) {
      refused.push_back({file, fmt::format("wrong ABI major version: got {}, expected {} (rebuild the plugin "
                                           "against this classflow SDK)",
                                           d->abi_major, CF_ABI_VERSION_MAJOR)});
      return;
    }
    if (d->abi_minor > CF_ABI_VERSION_MINOR) {
      refused.push_back({file, fmt::format("ABI minor version too new: got {}, expected at most {} (update "
                                           "classflow or rebuild the plugin against this SDK)",
                                           d->abi_minor, CF_ABI_VERSION_MINOR)});
      return;
    }
    if (d->register_plugin == nullptr || d->name == nullptr) {
      refused.push_back({file, "descriptor has no name or register function; expected both"});
      return;
    }
    Staging staging{this, file, d, {}, {}, {}, {}, {}};
    cf_host host{};
    host.struct_size = sizeof(host);
    host.context = &staging;
    host.abi_major = CF_ABI_VERSION_MAJOR;
    host.abi_minor = CF_ABI_VERSION_MINOR;
    host.add_encoder = &Impl::add_encoder;
    host.add_decoder = &Impl::add_decoder;
    host.add_source = &Impl::add_source;
    host.add_transform = &Impl::add_transform;
    auto st = detail::sized<cf_status>();
    if (d->register_plugin(&host, &st) != CF_OK) {
      refused.push_back({file, fmt::format("registration failed: {}", st.message)});
      return;
    }
    std::shared_ptr<void> keep = lib;
    libraries.push_back(lib);
    for (const auto& [kind, name] : staging.replaces) {
      overridden.push_back({file, fmt::format("{} '{}' replaces the built-in one (--plugin-override {}:{})", kind,
                                              name, kind, name)});
      drop(kind, name);
    }
    auto info = [&](const char* kind, const char* name, const char* description) {
      PluginInfo p;
      p.kind = kind;
      p.name = name;
      p.description = description ? description : "";
      p.plugin = d->name;
      p.version = d->version ? d->version : "";
      p.license = d->license ? d->license : "";
      p.abi_major = d->abi_major;
      p.abi_minor = d->abi_minor;
      p.file = file;
      p.builtin = loading_builtins;
      return p;
    };
    for (auto* v : staging.sources) {
      plugins.push_back(info("source", v->name, v->description));
      sources.push_back({v, file});
    }
    for (auto* v : staging.decoders) {
      PluginInfo p = info("decoder", v->name, v->description);
      for (const char* const* e = v->extensions; *e != nullptr; ++e) p.extensions.emplace_back(*e);
      decoders.push_back({v, file, p.extensions});
      plugins.push_back(std::move(p));
    }
    for (auto* v : staging.encoders) {
      plugins.push_back(info("encoder", v->name, v->description));
      encoders.emplace(v->name, EncoderSlot{v, file, keep});
    }
    for (auto* v : staging.transforms) {
      plugins.push_back(info("transform", v->name, v->description));
      transforms.emplace(v->name, TransformSlot{v, file, keep});
    }
  }
};

Registry::Registry(const RegistryOptions& options) : impl_(std::make_unique<Impl>()) {
  auto& path = impl_->search_path;
  for (const auto& d : options.plugin_dirs) {
    detail::refuse_nul("plugin folder", d);  // the OS would list the folder named by the part before it
    path.push_back(d);
  }
  if (options.use_env)
    for (auto& d : split_path_list(std::getenv("CLASSFLOW_PLUGIN_PATH"))) {
      // A relative entry means "wherever the process happens to run": never loaded.
      if (d.front() != '/') {
        impl_->warnings.push_back(fmt::format("CLASSFLOW_PLUGIN_PATH entry '{}' is relative and was ignored; expected "
                                              "absolute folders",
                                              d));
        continue;
      }
      path.push_back(d);
    }
  std::string builtin;
  if (options.use_default_dir) {
    // The folder next to this library: the build tree's plugin folder, or <libdir>/classflow/plugins.
    fs::path self = boost::dll::this_line_location();
    builtin = (self.parent_path() / "classflow" / "plugins").string();
    path.push_back(builtin);
  }
  for (const auto& o : options.overrides) {
    if (o.find(':') == std::string::npos)
      throw UsageError(fmt::format("plugin override '{}' is not kind:name; expected e.g. encoder:categorical", o));
    impl_->overrides.insert(o);
  }
  // The built-ins load first, so a name they provide is known before any other plugin claims
  // it; then the search path in order (first found wins among the others).
  if (!builtin.empty()) {
    impl_->loading_builtins = true;
    impl_->load_dir(builtin);
    impl_->loading_builtins = false;
  }
  for (const auto& d : path)
    if (d != builtin) impl_->load_dir(d);
}

Registry::~Registry() = default;

const std::vector<std::string>& Registry::search_path() const noexcept { return impl_->search_path; }
const std::vector<PluginInfo>& Registry::plugins() const noexcept { return impl_->plugins; }
const std::vector<RefusedPlugin>& Registry::refused() const noexcept { return impl_->refused; }
const std::vector<RefusedPlugin>& Registry::overridden() const noexcept { return impl_->overridden; }
const std::vector<std::string>& Registry::warnings() const noexcept { return impl_->warnings; }
const std::vector<DecoderEntry>& Registry::decoders() const noexcept { return impl_->decoders; }

std::vector<std::string> Registry::encoder_names() const {
  std::vector<std::string> names;
  for (const auto& [name, slot] : impl_->encoders) names.push_back(name);
  return names;
}

std::shared_ptr<const LabelEncoder> Registry::make_encoder(
    const std::string& class_mode, const std::vector<std::string>& class_names,
    const std::vector<std::pair<std::string, std::string>>& options) const {
  auto it = impl_->encoders.find(class_mode);
  if (it == impl_->encoders.end()) detail::throw_unknown_plugin(*this, "encoder", "class_mode", class_mode, encoder_names());
  std::vector<const char*> names;
  for (const auto& n : class_names) {
    detail::refuse_nul("class", n);
    names.push_back(n.c_str());
  }
  const std::vector<cf_option> opts = detail::c_options(options);
  cf_encoder_config cfg{};
  cfg.struct_size = sizeof(cfg);
  cfg.num_classes = static_cast<int32_t>(class_names.size());
  cfg.class_names = names.data();
  cfg.options = opts.data();
  cfg.num_options = opts.size();
  void* instance = nullptr;
  detail::PluginCall call({"encoder", class_mode, it->second.file}, "create");
  call.check(it->second.vtable->create(&cfg, &instance, call.status()));
  if (instance == nullptr) call.violation("returned no instance from create; expected an encoder object");
  return std::make_shared<const LabelEncoder>(it->second.vtable, instance, it->second.library, it->second.file,
                                              static_cast<int32_t>(class_names.size()));
}

std::vector<std::string> Registry::transform_names() const {
  std::vector<std::string> names;
  for (const auto& [name, slot] : impl_->transforms) names.push_back(name);
  return names;
}

std::shared_ptr<const ImageTransform> Registry::make_transform(const TransformSpec& spec, int32_t target_height,
                                                               int32_t target_width) const {
  auto it = impl_->transforms.find(spec.name);
  if (it == impl_->transforms.end())
    detail::throw_unknown_plugin(*this, "transform", "transform", spec.name, transform_names());
  const std::vector<cf_option> opts = detail::c_options(spec.options);
  auto cfg = detail::sized<cf_transform_config>();
  cfg.options = opts.data();
  cfg.num_options = opts.size();
  cfg.target_height = target_height;
  cfg.target_width = target_width;
  void* instance = nullptr;
  detail::PluginCall call({"transform", spec.name, it->second.file}, "create");
  call.check(it->second.vtable->create(&cfg, &instance, call.status()));
  if (instance == nullptr) call.violation("returned no instance from create; expected a transform object");
  return std::make_shared<const ImageTransform>(it->second.vtable, instance, it->second.library, it->second.file);
}

std::vector<std::string> Registry::extensions() const {
  std::set<std::string> all;
  for (const auto& d : impl_->decoders) all.insert(d.extensions.begin(), d.extensions.end());
  return {all.begin(), all.end()};
}

const DecoderEntry* Registry::decoder_for(const uint8_t* data, std::size_t size) const {
  std::size_t n = std::min<std::size_t>(size, 64);
  for (const auto& d : impl_->decoders)
    if (d.vtable->sniff(data, n) != 0) return &d;
  return nullptr;
}

const SourceEntry& Registry::source(const std::string& name) const {
  for (const auto& s : impl_->sources)
    if (name == s.vtable->name) return s;
  std::vector<std::string> names;
  for (const auto& s : impl_->sources) names.emplace_back(s.vtable->name);
  detail::throw_unknown_plugin(*this, "source", "source", name, names);
}

const RefusedPlugin* Registry::refused_for(const std::string& kind, const std::string& name) const {
  const std::string file = fmt::format("classflow_{}_{}.so", kind, name);
  for (const auto& r : impl_->refused)
    if (fs::path(r.file).filename().string() == file) return &r;
  return nullptr;
}

void detail::throw_unknown_plugin(const Registry& registry, const std::string& kind, const std::string& option,
                          const std::string& name, std::vector<std::string> choices) {
  std::sort(choices.begin(), choices.end());
  if (const RefusedPlugin* r = registry.refused_for(kind, name))
    throw PluginError(fmt::format("{} '{}' is not available: its plugin '{}' was refused: {}", option, name, r->file,
                                  r->reason));
  bool any = false;
  for (const auto& p : registry.plugins()) any = any || p.kind == kind;
  if (!any)
    throw PluginError(fmt::format("{} '{}' is not available: no {} plugin is loaded; expected classflow_{}_*.so in "
                                  "one of: {}",
                                  option, name, kind, kind, fmt::join(registry.search_path(), ", ")));
  throw UsageError(fmt::format("unknown {} '{}'; expected one of: {}", option, name, fmt::join(choices, ", ")));
}

const SourceEntry& Registry::source_for(const std::string& root) const {
  const SourceEntry* best = nullptr;
  int32_t best_score = 0;
  for (const auto& s : impl_->sources) {
    int32_t score = s.vtable->probe(root.c_str());
    if (score > best_score) {
      best = &s;
      best_score = score;
    }
  }
  if (best == nullptr) {
    if (impl_->sources.empty())
      throw PluginError(fmt::format("no source plugin is loaded; expected classflow_source_*.so in one of: {}",
                                    fmt::join(impl_->search_path, ", ")));
    boost::system::error_code ec;
    bool exists = fs::exists(root, ec);
    throw DataError(fmt::format("dataset root '{}' {}; expected a folder with one subfolder per class", root,
                                exists ? "is not a folder" : "does not exist"));
  }
  return *best;
}

}  // namespace classflow
