// classflow core: discovers, checks and loads plugins (Boost.DLL), and hands out their kinds.
#pragma once

#include <classflow/export.hpp>
#include <classflow/image_transform.hpp>
#include <classflow/label_encoder.hpp>
#include <classflow/sdk/abi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace classflow {

/// One kind (encoder, decoder or source) a loaded plugin registered.
struct PluginInfo {
  std::string kind;          ///< "source" | "decoder" | "encoder" | "transform"
  std::string name;          ///< e.g. "binary", "jpeg", "directory"
  std::string description;   ///< the kind's one-line description
  std::string plugin;        ///< the library's descriptor name, e.g. "classflow_encoder_binary"
  std::string version;       ///< the plugin's version string
  std::string license;       ///< SPDX identifier
  int32_t abi_major = 0;     ///< ABI the plugin was built with
  int32_t abi_minor = 0;
  std::string file;          ///< absolute path of the library
  std::vector<std::string> extensions;  ///< decoders: claimed extensions (".jpg", ...)
  bool builtin = false;      ///< loaded from the built-in folder next to the core
};

/// A file the registry did not load, with why (e.g. "wrong ABI major version: got 2, expected 1").
struct RefusedPlugin {
  std::string file;
  std::string reason;
};

/// A registered image decoder (vtable of a loaded plugin). Safe to use from many threads.
struct DecoderEntry {
  const cf_decoder_vtable* vtable = nullptr;
  std::string file;                     ///< library that provides it
  std::vector<std::string> extensions;  ///< lower case, with the dot
};

/// A registered dataset source (vtable of a loaded plugin).
struct SourceEntry {
  const cf_source_vtable* vtable = nullptr;
  std::string file;
};

/// Where plugins are looked for, in this order (first found wins a name; later duplicates are
/// refused): `plugin_dirs`; then `CLASSFLOW_PLUGIN_PATH` (colon-separated) when `use_env`;
/// then `<dir of libclassflow_core>/classflow/plugins` when `use_default_dir` (the build tree's
/// plugin folder, or `<libdir>/classflow/plugins` once installed). The built-in folder's names
/// are reserved: another plugin registering one is refused (naming both files) unless the name
/// is in `overrides`.
struct RegistryOptions {
  std::vector<std::string> plugin_dirs;  ///< explicit folders (--plugin-dir); default none
  bool use_env = true;                   ///< read CLASSFLOW_PLUGIN_PATH; default true
  bool use_default_dir = true;           ///< look next to the core library; default true
  /// "kind:name" of built-in kinds another plugin may replace (--plugin-override
  /// encoder:categorical); default none: a plugin that registers a built-in name is refused.
  std::vector<std::string> overrides;
};

/// Loads every `classflow_*.so` in the search path. A bad file never throws: it is kept as a
/// RefusedPlugin with a reason that names it and the expected/actual values. Loaded libraries
/// stay loaded while the Registry or any object made from them (e.g. a LabelEncoder) lives.
/// Handshake before any call (after LLVM pass plugins): ABI major equal, minor not newer,
/// struct sizes large enough, kind name unique.
class CLASSFLOW_CORE_API Registry {
 public:
  /// @throws UsageError for an entry of options.overrides that is not "kind:name".
  explicit Registry(const RegistryOptions& options = {});
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  /// The folders searched, in order (existing or not).
  const std::vector<std::string>& search_path() const noexcept;
  /// Every registered kind, in load order.
  const std::vector<PluginInfo>& plugins() const noexcept;
  /// Every refused file with its reason.
  const std::vector<RefusedPlugin>& refused() const noexcept;
  /// Plugins that replaced a built-in kind through `overrides`: (file, what it replaced).
  const std::vector<RefusedPlugin>& overridden() const noexcept;
  /// Risks seen while loading: plugin files or folders writable by every user, relative
  /// CLASSFLOW_PLUGIN_PATH entries (ignored). The CLI prints them to stderr.
  const std::vector<std::string>& warnings() const noexcept;
  /// The refused file that would have provided kind `kind` named `name` (by the file name
  /// convention classflow_<kind>_<name>.so), or nullptr.
  const RefusedPlugin* refused_for(const std::string& kind, const std::string& name) const;

  /// Names of registered encoders (class modes), sorted.
  std::vector<std::string> encoder_names() const;
  /// Creates encoder `class_mode` for `class_names` (index order) with key=value options.
  /// @throws UsageError for an unknown class_mode (listing the available ones) or an option the
  /// encoder refuses (e.g. label_smoothing=2); DataError when it refuses the classes (binary with
  /// 3 classes: its message names the classes found); PluginError when its plugin was refused or
  /// fails.
  std::shared_ptr<const LabelEncoder> make_encoder(
      const std::string& class_mode, const std::vector<std::string>& class_names,
      const std::vector<std::pair<std::string, std::string>>& options = {}) const;

  /// Names of registered transforms, sorted.
  std::vector<std::string> transform_names() const;
  /// Creates transform `spec.name` with its options for images resized to target_height x
  /// target_width. @throws UsageError for an unknown name (listing them) or an option it
  /// refuses; PluginError when its plugin was refused or fails.
  std::shared_ptr<const ImageTransform> make_transform(const TransformSpec& spec, int32_t target_height,
                                                       int32_t target_width) const;

  /// Every registered decoder.
  const std::vector<DecoderEntry>& decoders() const noexcept;
  /// Union of the decoders' extensions, lower case with the dot, sorted.
  std::vector<std::string> extensions() const;
  /// The decoder whose sniff() claims these leading bytes (magic bytes, not the extension),
  /// or nullptr.
  const DecoderEntry* decoder_for(const uint8_t* data, std::size_t size) const;

  /// The source named `name`. @throws UsageError listing the available sources; PluginError
  /// when its plugin was refused or no source plugin is loaded.
  const SourceEntry& source(const std::string& name) const;
  /// The source with the highest probe score for `root`. @throws UsageError when none claims it.
  const SourceEntry& source_for(const std::string& root) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace classflow
