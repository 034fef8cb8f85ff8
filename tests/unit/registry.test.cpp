// Registry: search path, the load-time handshake, and every refusal, against the deliberately
// broken plugins of tests/support/broken_plugins (one folder per case).
#include <catch2/catch.hpp>

#include <classflow/error.hpp>
#include <classflow/label_encoder.hpp>
#include <classflow/registry.hpp>
#include <classflow/sdk/abi.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using classflow::PluginError;
using classflow::Registry;
using classflow::RegistryOptions;
using Catch::Matchers::Contains;
using Names = std::vector<std::string>;

namespace {

/// Folder of one broken-plugin case, e.g. "wrong_abi".
std::string fixture_dir(const std::string& name) { return CLASSFLOW_BROKEN_PLUGIN_DIR "/" + name; }

/// A registry that loads exactly one folder: no CLASSFLOW_PLUGIN_PATH, no built-in plugins.
RegistryOptions only(const std::vector<std::string>& dirs) { return RegistryOptions{dirs, false, false}; }

/// The registered kind named `name`, or nullptr.
const classflow::PluginInfo* find_plugin(const Registry& reg, const std::string& kind, const std::string& name) {
  for (const auto& p : reg.plugins())
    if (p.kind == kind && p.name == name) return &p;
  return nullptr;
}

/// Folder holding the built-in plugins (where the built-in `categorical` was loaded from).
std::string builtin_dir() {
  const Registry reg(RegistryOptions{{}, false, true});
  const auto* p = find_plugin(reg, "encoder", "categorical");
  REQUIRE(p != nullptr);
  return fs::path(p->file).parent_path().string();
}

/// Sets an environment variable for one scope and restores the previous value.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("the built-in encoders load through the plugin path, with their descriptor", "[registry]") {
  const Registry reg(RegistryOptions{{}, false, true});
  for (const auto& r : reg.refused()) UNSCOPED_INFO("refused " << r.file << ": " << r.reason);
  CHECK(reg.refused().empty());
  const std::string name = GENERATE("categorical", "binary", "sparse");
  CAPTURE(name);
  const auto* p = find_plugin(reg, "encoder", name);
  REQUIRE(p != nullptr);
  CHECK(p->plugin == "classflow_encoder_" + name);
  CHECK(p->abi_major == CF_ABI_VERSION_MAJOR);
  CHECK(p->abi_minor == CF_ABI_VERSION_MINOR);
  CHECK(p->license == "MIT");
  CHECK_FALSE(p->version.empty());
  CHECK_FALSE(p->description.empty());
  CHECK(fs::path(p->file).filename() == "classflow_encoder_" + name + ".so");
  CHECK(fs::path(p->file).is_absolute());
}

TEST_CASE("search path: explicit folders, then CLASSFLOW_PLUGIN_PATH, then the default", "[registry]") {
  const ScopedEnv env("CLASSFLOW_PLUGIN_PATH", "/env/one::/env/two");
  CHECK(Registry(only({"/x", "/y"})).search_path() == Names{"/x", "/y"});
  CHECK(Registry(RegistryOptions{{"/x"}, true, false}).search_path() == Names{"/x", "/env/one", "/env/two"});
  const Registry all(RegistryOptions{{"/x"}, true, true});
  REQUIRE(all.search_path().size() == 4);
  CHECK(fs::path(all.search_path()[3]).filename() == "plugins");
  CHECK(fs::path(all.search_path()[3]).parent_path().filename() == "classflow");
}

TEST_CASE("CLASSFLOW_PLUGIN_PATH loads plugins, a folder listed twice loads once", "[registry]") {
  {
    const ScopedEnv env("CLASSFLOW_PLUGIN_PATH", fixture_dir("throwing"));
    const Registry reg(RegistryOptions{{}, true, false});
    CHECK(reg.encoder_names() == Names{"throwing"});
  }
  const Registry twice(only({fixture_dir("throwing"), fixture_dir("throwing")}));
  CHECK(twice.encoder_names() == Names{"throwing"});
  CHECK(twice.refused().empty());
  CHECK(twice.plugins().size() == 1);
}

TEST_CASE("bad plugin files are refused with a reason naming expected and actual", "[registry]") {
  const std::string got_major = "got 2";
  const std::string expected_major = "expected " + std::to_string(CF_ABI_VERSION_MAJOR);
  const std::string got_minor = "got " + std::to_string(CF_ABI_VERSION_MINOR + 1);
  const std::string expected_minor = "expected at most " + std::to_string(CF_ABI_VERSION_MINOR);
  auto [folder, file, fragments] = GENERATE_COPY(table<std::string, std::string, Names>({
      {"wrong_abi", "classflow_encoder_wrongabi.so", {"ABI major", got_major, expected_major}},
      {"minor_newer", "classflow_encoder_minornewer.so", {"ABI minor", got_minor, expected_minor}},
      {"no_entry", "classflow_encoder_noentry.so", {"no entry point 'classflow_plugin_entry_v1' exported"}},
      {"not_a_library", "classflow_encoder_text.so", {"not a shared library"}},
  }));
  CAPTURE(folder);
  const std::string path = fixture_dir(folder) + "/" + file;
  REQUIRE(fs::is_regular_file(path));  // the fixture was built (classflow_broken_plugins)

  const Registry reg(only({fixture_dir(folder)}));  // never throws for a bad file
  REQUIRE(reg.refused().size() == 1);
  const auto& refused = reg.refused()[0];
  CHECK(fs::equivalent(refused.file, path));
  for (const auto& fragment : fragments) CHECK_THAT(refused.reason, Contains(fragment));
  // Refused before its register function ran: nothing it would register appears.
  CHECK(reg.plugins().empty());
  CHECK(reg.encoder_names().empty());
}

TEST_CASE("a second plugin registering 'categorical' is refused, naming both files", "[registry]") {
  const std::string builtin = builtin_dir();
  const std::string duplicate = fixture_dir("duplicate") + "/classflow_encoder_duplicate.so";
  const Registry reg(only({builtin, fixture_dir("duplicate")}));

  const auto* categorical = find_plugin(reg, "encoder", "categorical");
  REQUIRE(categorical != nullptr);
  CHECK(categorical->plugin == "classflow_encoder_categorical");  // the first one found wins
  REQUIRE(reg.refused().size() == 1);
  CHECK(fs::equivalent(reg.refused()[0].file, duplicate));
  CHECK_THAT(reg.refused()[0].reason,
             Contains("encoder 'categorical' is already provided by '" + categorical->file + "'"));
  // The winner is the built-in one-hot encoder (float32 [K]), not the fixture's int32 [].
  CHECK(reg.make_encoder("categorical", {"a", "b"})->label_desc().dtype == classflow::sdk::DType::float32);
}

TEST_CASE("an encoder that throws becomes a PluginError naming it, the process goes on", "[registry]") {
  const Registry reg(only({fixture_dir("throwing")}));
  REQUIRE(reg.encoder_names() == Names{"throwing"});
  auto enc = reg.make_encoder("throwing", {"a", "b"});
  CHECK_THROWS_AS(enc->encode({0, 1}), PluginError);
  CHECK_THROWS_WITH(enc->encode({0, 1}), Contains("encoder 'throwing'") && Contains("boom"));
  try {
    enc->encode({0});
    FAIL("encode did not throw");
  } catch (const PluginError& e) {
    CHECK(e.exit_code() == 4);
  }
  // The same instance and other plugins still work after the failure.
  const std::vector<float> row{0.25f, 0.75f};
  CHECK(enc->decode(row.data(), 2, {}).at(0).class_id == 1);
  const Registry builtin(RegistryOptions{{}, false, true});
  CHECK(builtin.make_encoder("sparse", {"a", "b"})->encode({1}).size() == sizeof(int32_t));
}

TEST_CASE("an encoder keeps its plugin loaded after the Registry is gone", "[registry]") {
  std::shared_ptr<const classflow::LabelEncoder> enc;
  {
    const Registry reg(RegistryOptions{{}, false, true});
    enc = reg.make_encoder("sparse", {"a", "b", "c"});
  }
  // Calls into the library's code and vtable: would crash had the library been unloaded.
  CHECK(enc->name() == "sparse");
  const auto bytes = enc->encode({2, 0});
  std::vector<int32_t> labels(2);
  REQUIRE(bytes.size() == labels.size() * sizeof(int32_t));
  std::memcpy(labels.data(), bytes.data(), bytes.size());
  CHECK(labels == std::vector<int32_t>{2, 0});
}

TEST_CASE("the example plugin is listed like any other", "[registry][example]") {
  const Registry reg(only({fixture_dir("example_ordinal")}));
  CHECK(reg.refused().empty());
  const auto* p = find_plugin(reg, "encoder", "ordinal");
  REQUIRE(p != nullptr);
  CHECK(p->plugin == "classflow_encoder_ordinal");
  CHECK(p->version == "1.0.0");
  CHECK(p->license == "MIT");
}

TEST_CASE("a plugin registering a built-in name is refused even when found first, unless overridden",
          "[registry][override]") {
  // The duplicate fixture's folder comes first in the search path, before the built-ins.
  const Registry reg(RegistryOptions{{fixture_dir("duplicate")}, false, true});
  const auto* categorical = find_plugin(reg, "encoder", "categorical");
  REQUIRE(categorical != nullptr);
  CHECK(categorical->plugin == "classflow_encoder_categorical");
  CHECK(categorical->builtin);
  REQUIRE(reg.refused().size() == 1);
  CHECK(reg.refused()[0].reason == "registration failed: encoder 'categorical' is a built-in name, provided by '" +
                                       categorical->file +
                                       "'; expected another name, or --plugin-override encoder:categorical to "
                                       "replace the built-in");
  CHECK(reg.make_encoder("categorical", {"a", "b"})->label_desc().dtype == classflow::sdk::DType::float32);

  RegistryOptions asked{{fixture_dir("duplicate")}, false, true};
  asked.overrides = {"encoder:categorical"};
  const Registry over(asked);
  CHECK(over.refused().empty());
  const auto* replaced = find_plugin(over, "encoder", "categorical");
  REQUIRE(replaced != nullptr);
  CHECK(replaced->plugin == "classflow_encoder_duplicate");
  CHECK_FALSE(replaced->builtin);
  REQUIRE(over.overridden().size() == 1);
  CHECK(over.overridden()[0].reason == "encoder 'categorical' replaces the built-in one (--plugin-override "
                                       "encoder:categorical)");
  CHECK(over.make_encoder("categorical", {"a", "b"})->label_desc().dtype == classflow::sdk::DType::int32);
  CHECK_THROWS_WITH(Registry(RegistryOptions{{}, false, false, {"categorical"}}),
                    "plugin override 'categorical' is not kind:name; expected e.g. encoder:categorical");
}

TEST_CASE("world-writable plugin files and folders, and relative CLASSFLOW_PLUGIN_PATH entries, are warned about",
          "[registry][security]") {
  const fs::path dir = fs::temp_directory_path() / ("classflow-ww-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path file = dir / "classflow_encoder_throwing.so";
  fs::copy_file(fixture_dir("throwing") + "/classflow_encoder_throwing.so", file);
  fs::permissions(dir, fs::perms::all);  // 0777, no sticky bit
  fs::permissions(file, fs::perms::owner_all | fs::perms::others_write);
  {
    const Registry reg(only({dir.string()}));
    CHECK(reg.encoder_names() == Names{"throwing"});  // still loaded: the user is told, not stopped
    CHECK(reg.warnings() ==
          Names{"plugin folder '" + dir.string() + "' is writable by every user: anyone could make classflow load "
                                                   "their code; expected chmod o-w '" + dir.string() + "'",
                "plugin file '" + file.string() + "' is writable by every user: anyone could make classflow load "
                                                  "their code; expected chmod o-w '" + file.string() + "'"});
  }
  {
    const ScopedEnv env("CLASSFLOW_PLUGIN_PATH", "plugins:" + fixture_dir("throwing"));
    const Registry reg(RegistryOptions{{}, true, false});
    CHECK(reg.search_path() == Names{fixture_dir("throwing")});
    CHECK(reg.warnings() ==
          Names{"CLASSFLOW_PLUGIN_PATH entry 'plugins' is relative and was ignored; expected absolute folders"});
  }
  fs::remove_all(dir);
}

TEST_CASE("an encoder that lies about its labels or decodes out-of-range ids is a PluginError naming it",
          "[registry][hostile]") {
  const Registry reg(only({fixture_dir("liar")}));
  REQUIRE(reg.refused().empty());
  const std::string file = find_plugin(reg, "encoder", "liar_dtype")->file;
  CHECK_THROWS_MATCHES(reg.make_encoder("liar_dtype", {"a", "b"}), PluginError,
                       Catch::Message("encoder 'liar_dtype' (plugin '" + file +
                                      "') reported label dtype 99; expected a cf_dtype (1..5)"));
  CHECK_THROWS_MATCHES(reg.make_encoder("liar_shape", {"a", "b"}), PluginError,
                       Catch::Message("encoder 'liar_shape' (plugin '" + file +
                                      "') reported label dimension 0 of size -5; expected 1..2^31"));
  auto liar = reg.make_encoder("liar_id", {"a", "b"});
  const std::vector<float> row{0.2f, 0.8f};
  CHECK_THROWS_MATCHES(liar->decode(row.data(), 2, {}), PluginError,
                       Catch::Message("encoder 'liar_id' (plugin '" + file + "') decoded class id 7; expected 0..1"));
}

TEST_CASE("a plugin built for ABI 1.0 still loads under the 1.2 host (append-only tables)", "[registry][abi]") {
  const Registry reg(only({fixture_dir("abi10")}));
  CHECK(reg.refused().empty());
  const auto* p = find_plugin(reg, "encoder", "abione");
  REQUIRE(p != nullptr);
  CHECK(p->abi_major == 1);
  CHECK(p->abi_minor == 0);
  CHECK(reg.make_encoder("abione", {"a", "b"})->label_desc().dtype == classflow::sdk::DType::int32);
  CHECK(CF_ABI_VERSION_MINOR == 2);
}
