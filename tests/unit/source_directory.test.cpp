// The 'directory' source plugin: class discovery, walk order, hidden entries, extensions,
// symlinks and label-less roots; first through its C vtable (exact report order), then
// through classflow::scan_dataset (what users see).
#include <catch2/catch.hpp>

#include <classflow/dataset.hpp>
#include <classflow/registry.hpp>

#include "temp_tree.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace {

using classflow::test::TempDir;
using Options = std::vector<std::pair<std::string, std::string>>;
using Strings = std::vector<std::string>;

/// One registry for the whole file: loading plugins is slow and the registry is immutable.
const classflow::Registry& registry() {
  static const classflow::Registry reg;
  return reg;
}

const char* reason_name(int32_t reason) {
  switch (reason) {
    case CF_SKIP_UNSUPPORTED_EXTENSION: return "extension";
    case CF_SKIP_HIDDEN: return "hidden";
    case CF_SKIP_ROOT_FILE: return "root file";
    case CF_SKIP_BROKEN_LINK: return "broken link";
    case CF_SKIP_LINK_LOOP: return "link loop";
    case CF_SKIP_LINK_NOT_FOLLOWED: return "link not followed";
    case CF_SKIP_MISSING_FILE: return "missing";
    case CF_SKIP_UNREADABLE: return "unreadable";
    default: return "other";
  }
}

/// Everything a source reported, in order, one readable line per call:
/// "class cat", "sample cat/a.png <cat>", "skip cat/x.txt (extension '.txt')".
struct SourceRun {
  int32_t rc = CF_OK;
  std::string message;
  Strings events;

  static SourceRun& self(void* ctx) { return *static_cast<SourceRun*>(ctx); }
  static void add_class(void* ctx, const char* name) { self(ctx).events.push_back("class " + std::string(name)); }
  static void add_sample(void* ctx, const char* path, const char* const* names, size_t n) {
    std::string classes;
    for (size_t i = 0; i < n; ++i) classes += (i ? "," : "") + std::string(names[i]);
    self(ctx).events.push_back("sample " + std::string(path) + " <" + classes + ">");
  }
  static void add_values(void* ctx, const float*, size_t) { self(ctx).events.push_back("values"); }
  static void add_skipped(void* ctx, const char* path, int32_t reason, const char* detail) {
    self(ctx).events.push_back("skip " + std::string(path) + " (" + reason_name(reason) + " '" +
                               std::string(detail) + "')");
  }
};

/// Calls the directory source's scan directly. Extensions default to what a jpeg + png
/// build claims, so expectations do not depend on which decoders are built.
SourceRun run_source(const std::string& root, const Options& options = {}, const Strings& classes = {},
                     const Strings& extensions = {".jpeg", ".jpg", ".png"}) {
  const cf_source_vtable* v = registry().source("directory").vtable;
  std::vector<const char*> ext, cls;
  for (const auto& e : extensions) ext.push_back(e.c_str());
  for (const auto& c : classes) cls.push_back(c.c_str());
  std::vector<cf_option> opts;
  for (const auto& [k, val] : options) opts.push_back({k.c_str(), val.c_str()});
  cf_scan_request req{sizeof(cf_scan_request), root.c_str(), ext.data(), ext.size(), cls.data(), cls.size(),
                      opts.data(), opts.size()};
  SourceRun run;
  cf_scan_sink sink{sizeof(cf_scan_sink), &run, &SourceRun::add_class, &SourceRun::add_sample,
                    &SourceRun::add_values, &SourceRun::add_skipped};
  cf_status st{};
  st.struct_size = sizeof(st);
  run.rc = v->scan(&req, &sink, &st);
  run.message = st.message;
  return run;
}

/// Skipped entries as "path (reason 'detail')" lines, in the order the Dataset keeps them.
Strings skipped_lines(const classflow::Dataset& ds) {
  Strings out;
  for (const auto& s : ds.skipped)
    out.push_back(s.path + " (" + reason_name(s.reason) + " '" + s.detail + "')");
  return out;
}

classflow::ScanOptions scan_options(const std::string& root) {
  classflow::ScanOptions o;
  o.root = root;
  o.source = "directory";
  return o;
}

bool claimed(const std::string& ext) {
  const Strings all = registry().extensions();
  return std::find(all.begin(), all.end(), ext) != all.end();
}

/// The dataset-level cases name .png/.jpg files: the png and jpeg decoders must be built.
void require_image_decoders() {
  INFO("registered extensions: " << [] {
    std::string s;
    for (const auto& e : registry().extensions()) s += e + " ";
    return s;
  }());
  REQUIRE(claimed(".png"));
  REQUIRE(claimed(".jpg"));
}

// Nested tree of the walk-order case, created in an order unlike the expected one.
void make_nested_tree(const TempDir& t) {
  for (const char* rel : {"root/cat/sub/deeper/c.png", "root/cat/sub.x/e.png", "root/cat/z.png",
                          "root/cat/sub-x/d.png", "root/cat/sub/b.png", "root/cat/Sub/f.png", "root/cat/a.png"})
    t.touch(rel);
}

const Strings nested_order = {"cat/a.png",     "cat/z.png",     "cat/Sub/f.png",       "cat/sub/b.png",
                              "cat/sub-x/d.png", "cat/sub.x/e.png", "cat/sub/deeper/c.png"};

// cat/{a.png, alias -> sub, ext -> ../../outside, file.png -> outside/o.png, gone.png -> missing,
// self -> ., up -> .., sub/b.png}; outside/{o.png, inner/i.png, back -> root/cat}.
void make_link_tree(const TempDir& t) {
  t.touch("root/cat/a.png");
  t.touch("root/cat/sub/b.png");
  t.touch("outside/o.png");
  t.touch("outside/inner/i.png");
  t.symlink(t.path("root/cat"), "outside/back");
  t.symlink("sub", "root/cat/alias");
  t.symlink("../../outside", "root/cat/ext");
  t.symlink(t.path("outside/o.png"), "root/cat/file.png");
  t.symlink("missing.png", "root/cat/gone.png");
  t.symlink(".", "root/cat/self");
  t.symlink("..", "root/cat/up");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Source level: the exact calls the plugin makes.

TEST_CASE("directory: probe claims folders only", "[source]") {
  TempDir t;
  t.touch("file.png");
  const cf_source_vtable* v = registry().source("directory").vtable;
  CHECK(v->probe(t.path().c_str()) == 100);
  CHECK(v->probe(t.path("file.png").c_str()) == 0);
  CHECK(v->probe(t.path("missing").c_str()) == 0);
  CHECK((v->flags & CF_SOURCE_GROUP_BY_CLASS) != 0);
}

TEST_CASE("directory: folders by full path string, files by name (Keras _iter_valid_files)", "[source]") {
  TempDir t;
  make_nested_tree(t);
  Strings expected{"class cat"};
  for (const auto& p : nested_order) expected.push_back("sample " + p + " <cat>");
  CHECK(run_source(t.path("root")).events == expected);
}

TEST_CASE("directory: hidden entries are skipped at every depth, root files are not classes (BR-01, BR-02)",
          "[source]") {
  TempDir t;
  t.write_file("root/.DS_Store", std::string(6144, '\x5a'));
  t.touch("root/.ipynb_checkpoints/x.png");
  t.touch("root/0/a.png");
  t.touch("root/1/b.png");
  t.touch("root/1/.DS_Store");
  t.write_file("root/1/._b.png", std::string(4096, '\x01'));
  t.touch("root/1/.cache/c.png");
  t.touch("root/notes.txt");
  t.touch("root/README");
  REQUIRE(::mkfifo(t.path("root/1/pipe.png").c_str(), 0600) == 0);

  SECTION("hidden ignored by default") {
    CHECK(run_source(t.path("root")).events ==
          Strings{"skip .DS_Store (hidden '')", "skip .ipynb_checkpoints (hidden '')", "skip README (root file '')",
                  "skip notes.txt (root file '.txt')", "class 0", "sample 0/a.png <0>", "class 1",
                  "skip 1/.DS_Store (hidden '')", "skip 1/._b.png (hidden '')", "skip 1/.cache (hidden '')",
                  "sample 1/b.png <1>", "skip 1/pipe.png (other 'not a regular file')"});
  }
  SECTION("include_hidden=1 takes them") {
    CHECK(run_source(t.path("root"), {{"include_hidden", "1"}}).events ==
          Strings{"skip .DS_Store (root file '.ds_store')", "skip README (root file '')",
                  "skip notes.txt (root file '.txt')", "class .ipynb_checkpoints",
                  "sample .ipynb_checkpoints/x.png <.ipynb_checkpoints>", "class 0", "sample 0/a.png <0>",
                  "class 1", "skip 1/.DS_Store (extension '.ds_store')", "sample 1/._b.png <1>",
                  "sample 1/b.png <1>", "skip 1/pipe.png (other 'not a regular file')",
                  "sample 1/.cache/c.png <1>"});
  }
}

TEST_CASE("directory: extensions match without regard to case, others are skipped by extension (BR-04)",
          "[source]") {
  TempDir t;
  for (const char* rel : {"root/a/p.JPEG", "root/a/q.JPG", "root/a/r.Png", "root/a/x.tar.PNG", "root/a/weirdpng",
                          "root/a/dot.", "root/b/s.tif", "root/b/t.tiff", "root/b/u.webp", "root/b/notes.txt"})
    t.touch(rel);
  CHECK(run_source(t.path("root")).events ==
        Strings{"class a", "skip a/dot. (extension '.')", "sample a/p.JPEG <a>", "sample a/q.JPG <a>",
                "sample a/r.Png <a>", "skip a/weirdpng (extension '')", "sample a/x.tar.PNG <a>", "class b",
                "skip b/notes.txt (extension '.txt')", "skip b/s.tif (extension '.tif')",
                "skip b/t.tiff (extension '.tiff')", "skip b/u.webp (extension '.webp')"});
  // What the decoders claim decides: with a TIFF/WebP decoder, b has 3 samples.
  CHECK(run_source(t.path("root"), {}, {}, {".tif", ".tiff", ".webp"}).events ==
        Strings{"class a", "skip a/dot. (extension '.')", "skip a/p.JPEG (extension '.jpeg')",
                "skip a/q.JPG (extension '.jpg')", "skip a/r.Png (extension '.png')",
                "skip a/weirdpng (extension '')", "skip a/x.tar.PNG (extension '.png')", "class b",
                "skip b/notes.txt (extension '.txt')", "sample b/s.tif <b>", "sample b/t.tiff <b>",
                "sample b/u.webp <b>"});
}

TEST_CASE("directory: explicit classes: named folders are classes, the others' samples are filtered",
          "[source]") {
  TempDir t;
  for (const char* rel : {"root/a/1.png", "root/b/1.png", "root/c/1.png", "root/.hid/1.png", "root/.x/1.png",
                          "root/f.png"})
    t.touch(rel);
  // A missing class is not reported (the core names it); an unnamed folder is walked without
  // add_class (the core counts its samples as filtered); a hidden folder named is taken.
  CHECK(run_source(t.path("root"), {}, {"b", "a", "missing", ".hid", "b"}).events ==
        Strings{"skip .x (hidden '')", "skip f.png (root file '.png')", "class .hid", "sample .hid/1.png <.hid>",
                "class a", "sample a/1.png <a>", "class b", "sample b/1.png <b>", "sample c/1.png <c>"});
}

TEST_CASE("directory: UTF-8 and other bytes in names pass through unchanged (BR-28)", "[source]") {
  TempDir t;
  t.touch("root/caf\xC3\xA9/\xE7\x8C\xAB_01.png");
  t.touch("root/stra\xC3\x9F" "e/\xC3\x9Cn\xC3\xAF code 02.png");
  t.touch("root/raw/bad\xFFname.png");  // not UTF-8: still the on-disk bytes
  CHECK(run_source(t.path("root")).events ==
        Strings{"class caf\xC3\xA9", "sample caf\xC3\xA9/\xE7\x8C\xAB_01.png <caf\xC3\xA9>", "class raw",
                "sample raw/bad\xFFname.png <raw>", "class stra\xC3\x9F" "e",
                "sample stra\xC3\x9F" "e/\xC3\x9Cn\xC3\xAF code 02.png <stra\xC3\x9F" "e>"});
}

TEST_CASE("directory: symlinks: folders followed on request, loops and broken links reported", "[source]") {
  TempDir t;
  make_link_tree(t);
  t.symlink("cycle.png", "root/cat/cycle.png");  // points at itself: ELOOP
  t.touch("elsewhere/d.png");
  t.symlink(t.path("elsewhere"), "root/linked_class");

  SECTION("follow_links=0 (default): linked folders below a class are not entered") {
    CHECK(run_source(t.path("root")).events ==
          Strings{"class cat", "sample cat/a.png <cat>", "skip cat/alias (link not followed '')",
                  "skip cat/cycle.png (broken link 'Too many levels of symbolic links')",
                  "skip cat/ext (link not followed '')", "sample cat/file.png <cat>",
                  "skip cat/gone.png (broken link '')", "skip cat/self (link not followed '')",
                  "skip cat/up (link not followed '')", "sample cat/sub/b.png <cat>",
                  // A linked class folder is a class either way (as in Keras and torchvision).
                  "class linked_class", "sample linked_class/d.png <linked_class>"});
  }
  SECTION("follow_links=1: each folder once; a link to a walked folder or the root is a loop") {
    CHECK(run_source(t.path("root"), {{"follow_links", "1"}}).events ==
          Strings{"class cat", "sample cat/a.png <cat>", "skip cat/alias (link loop '')",
                  "skip cat/cycle.png (broken link 'Too many levels of symbolic links')",
                  "sample cat/file.png <cat>", "skip cat/gone.png (broken link '')", "skip cat/self (link loop '')",
                  "skip cat/up (link loop '')", "skip cat/ext/back (link loop '')", "sample cat/ext/o.png <cat>",
                  "sample cat/ext/inner/i.png <cat>", "sample cat/sub/b.png <cat>", "class linked_class",
                  "sample linked_class/d.png <linked_class>"});
  }
  SECTION("root entries: a broken link is reported, a linked file is a root file") {
    t.symlink("nowhere", "root2/dangling");
    t.symlink(t.path("outside/o.png"), "root2/top.png");
    t.symlink(t.path("elsewhere"), "root2/k");
    CHECK(run_source(t.path("root2")).events == Strings{"skip dangling (broken link '')",
                                                        "skip top.png (root file '.png')", "class k",
                                                        "sample k/d.png <k>"});
  }
}

TEST_CASE("directory: labels=0 takes a flat root's images as unlabelled samples (BR-03b)", "[source]") {
  TempDir t;
  for (const char* rel : {"root/x3.jpg", "root/x1.jpg", "root/x2.jpg", "root/notes.txt", "root/.DS_Store"})
    t.touch(rel);
  t.touch("root/.hidden_dir/y.jpg");  // a hidden folder is not a class: the root stays flat

  CHECK(run_source(t.path("root"), {{"labels", "0"}}).events ==
        Strings{"skip .DS_Store (hidden '')", "skip .hidden_dir (hidden '')", "skip notes.txt (extension '.txt')",
                "sample x1.jpg <>", "sample x2.jpg <>", "sample x3.jpg <>"});
  // With labels the same files are root files: the core turns them into the BR-03a error.
  CHECK(run_source(t.path("root"), {{"labels", "true"}}).events ==
        Strings{"skip .DS_Store (hidden '')", "skip .hidden_dir (hidden '')", "skip notes.txt (root file '.txt')",
                "skip x1.jpg (root file '.jpg')", "skip x2.jpg (root file '.jpg')", "skip x3.jpg (root file '.jpg')"});
  // Once a class folder exists, labels=0 walks it as labelled (Keras class_mode=None).
  t.touch("root/a/y.jpg");
  CHECK(run_source(t.path("root"), {{"labels", "false"}}).events ==
        Strings{"skip .DS_Store (hidden '')", "skip .hidden_dir (hidden '')", "skip notes.txt (root file '.txt')",
                "skip x1.jpg (root file '.jpg')", "skip x2.jpg (root file '.jpg')", "skip x3.jpg (root file '.jpg')",
                "class a", "sample a/y.jpg <a>"});
}

TEST_CASE("directory: an unreadable folder is reported, the walk goes on", "[source]") {
  if (::geteuid() == 0) {
    WARN("running as root: folder permissions are not enforced, unreadable case not checked");
    return;
  }
  TempDir t;
  t.touch("root/cat/a.png");
  t.touch("root/cat/locked/b.png");
  REQUIRE(::chmod(t.path("root/cat/locked").c_str(), 0) == 0);
  const SourceRun run = run_source(t.path("root"));
  ::chmod(t.path("root/cat/locked").c_str(), 0700);  // so TempDir can remove it
  CHECK(run.events ==
        Strings{"class cat", "sample cat/a.png <cat>", "skip cat/locked (unreadable 'Permission denied')"});
}

TEST_CASE("directory: a bad root or option fails with the value and the fix", "[source]") {
  // Generated once for all runs: hold names, not paths of a TempDir that each run recreates.
  using Row = std::tuple<std::string, Options, std::string>;
  auto [rel, options, problem] = GENERATE(table<std::string, Options, std::string>({
      Row{"missing", {}, "' does not exist; expected a folder with one subfolder per class"},
      Row{"file.png", {}, "' is not a folder; expected a folder with one subfolder per class"},
      Row{"root", {{"recursive", "1"}},
          "unknown option 'recursive' for source 'directory'; expected one of: follow_links, include_hidden, labels"},
      Row{"root", {{"follow_links", "yes"}},
          "option 'follow_links' value 'yes' is not a boolean; expected one of: 1, 0, true, false"},
  }));
  TempDir t;
  t.touch("file.png");
  t.mkdir("root");
  const std::string root = t.path(rel);
  const std::string message = problem.front() == '\'' ? "dataset root '" + root + problem : problem;
  const SourceRun run = run_source(root, options);
  // Root problems are data errors (exit 3); option problems are usage errors (exit 2).
  CHECK(run.rc == (problem.front() == '\'' ? CF_ERROR_DATA : CF_ERROR_INVALID_ARGUMENT));
  CHECK(run.message == message);
  CHECK(run.events.empty());
}

// ---------------------------------------------------------------------------------------------
// Dataset level: the same trees through classflow::scan_dataset.

TEST_CASE("directory via scan_dataset: a checkpoint folder is not a class, the explicit list is accepted (BR-01)", "[source]") {
  require_image_decoders();
  TempDir t;
  for (const char* rel : {"root/.ipynb_checkpoints/x.png", "root/no_skip/a.png", "root/no_skip/b.png", "root/skip/c.png"})
    t.touch(rel);
  auto o = scan_options(t.path("root"));
  SECTION("inferred") {}
  SECTION("explicit") { o.classes = {"no_skip", "skip"}; }
  const classflow::Dataset ds = classflow::scan_dataset(registry(), o);
  CHECK(ds.class_index.class_names() == Strings{"no_skip", "skip"});
  CHECK(ds.filenames() == Strings{"no_skip/a.png", "no_skip/b.png", "skip/c.png"});
  CHECK(ds.classes() == std::vector<int32_t>{0, 0, 1});
  CHECK(skipped_lines(ds) == Strings{".ipynb_checkpoints (hidden '')"});
  CHECK(ds.filtered == 0);
}

TEST_CASE("directory via scan_dataset: an explicit list keeps its order, other folders are filtered (BR-08)",
          "[source]") {
  require_image_decoders();
  TempDir t;
  for (const char* rel : {"root/c/1.png", "root/a/1.png", "root/a/2.png", "root/b/1.png"}) t.touch(rel);
  auto o = scan_options(t.path("root"));
  o.classes = {"b", "a"};
  const classflow::Dataset ds = classflow::scan_dataset(registry(), o);
  CHECK(ds.class_index.class_names() == Strings{"b", "a"});
  CHECK(ds.filenames() == Strings{"b/1.png", "a/1.png", "a/2.png"});
  CHECK(ds.classes() == std::vector<int32_t>{0, 1, 1});
  CHECK(ds.filtered == 1);
  CHECK(ds.skipped.empty());
}

TEST_CASE("directory via scan_dataset: macOS metadata files are neither classes nor samples (BR-02)", "[source]") {
  require_image_decoders();
  TempDir t;
  t.write_file("root/.DS_Store", std::string(6144, '\x7f'));
  t.touch("root/0/a.png");
  t.touch("root/1/b.png");
  t.write_file("root/1/.DS_Store", std::string(6144, '\x7f'));
  t.write_file("root/1/._b.png", std::string(4096, '\x00'));
  const classflow::Dataset ds = classflow::scan_dataset(registry(), scan_options(t.path("root")));
  CHECK(ds.class_index.class_names() == Strings{"0", "1"});
  CHECK(ds.filenames() == Strings{"0/a.png", "1/b.png"});
  CHECK(ds.classes() == std::vector<int32_t>{0, 1});
  CHECK(skipped_lines(ds) == Strings{".DS_Store (hidden '')", "1/.DS_Store (hidden '')", "1/._b.png (hidden '')"});
}

TEST_CASE("directory via scan_dataset: extensions are case-insensitive, the rest is counted by extension (BR-04)", "[source]") {
  require_image_decoders();
  TempDir t;
  for (const char* rel : {"root/a/p.JPEG", "root/a/q.JPG", "root/a/r.Png", "root/b/s.tif", "root/b/t.tiff",
                          "root/b/u.webp", "root/b/notes.txt"})
    t.touch(rel);
  auto o = scan_options(t.path("root"));
  o.allow_empty = true;  // b is empty unless a TIFF/WebP decoder is built
  const classflow::Dataset ds = classflow::scan_dataset(registry(), o);

  // Expected from what the built decoders claim (.tif/.webp come with the opencv decoder).
  Strings files, skipped;
  std::map<std::string, int64_t> counts;
  for (const char* rel : {"a/p.JPEG", "a/q.JPG", "a/r.Png", "b/notes.txt", "b/s.tif", "b/t.tiff", "b/u.webp"}) {
    std::string name(rel), ext = name.substr(name.rfind('.'));
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (claimed(ext)) {
      files.push_back(name);
    } else {
      skipped.push_back(name + " (extension '" + ext + "')");
      ++counts[ext];
    }
  }
  CHECK(ds.class_index.class_names() == Strings{"a", "b"});
  CHECK(ds.class_counts()[0] == 3);
  CHECK(ds.filenames() == files);
  CHECK(skipped_lines(ds) == skipped);
  CHECK(ds.skipped_summary()["unsupported extension"] == counts);
  CHECK(counts.at(".txt") == 1);
  if (!claimed(".tif") && !claimed(".tiff") && !claimed(".webp"))
    CHECK(counts == std::map<std::string, int64_t>{{".tif", 1}, {".tiff", 1}, {".txt", 1}, {".webp", 1}});
}

TEST_CASE("directory via scan_dataset: creation order is irrelevant: byte order for classes and files (BR-07)", "[source]") {
  require_image_decoders();
  TempDir t;
  for (const char* cls : {"zebra", "Apple", "mango"})
    for (const char* file : {"10.png", "2.png", "1.png"}) t.touch(std::string("images/") + cls + "/" + file);
  for (const char* cls : {"mango", "zebra", "Apple"})
    for (const char* file : {"1.png", "2.png", "10.png"}) t.touch(std::string("masks/") + cls + "/" + file);
  const Strings expected{"Apple/1.png", "Apple/10.png", "Apple/2.png", "mango/1.png", "mango/10.png",
                         "mango/2.png", "zebra/1.png", "zebra/10.png", "zebra/2.png"};
  for (const char* root : {"images", "masks"}) {
    INFO("root " << root);
    classflow::ScanOptions o;
    o.root = t.path(root);  // no source named: the directory source wins the probe
    const classflow::Dataset ds = classflow::scan_dataset(registry(), o);
    CHECK(ds.source == "directory");
    CHECK(ds.class_index.class_names() == Strings{"Apple", "mango", "zebra"});
    CHECK(ds.filenames() == expected);
    CHECK(ds.classes() == std::vector<int32_t>{0, 0, 0, 1, 1, 1, 2, 2, 2});
    CHECK(ds.skipped.empty());
  }
}

TEST_CASE("directory via scan_dataset: nested folders follow the anchors' walk order", "[source]") {
  require_image_decoders();
  TempDir t;
  make_nested_tree(t);
  t.touch("root/dog/x.png");
  const classflow::Dataset ds = classflow::scan_dataset(registry(), scan_options(t.path("root")));
  Strings expected = nested_order;
  expected.push_back("dog/x.png");
  CHECK(ds.filenames() == expected);
  CHECK(ds.classes() == std::vector<int32_t>{0, 0, 0, 0, 0, 0, 0, 1});
}

TEST_CASE("directory via scan_dataset: UTF-8 class and file names are kept byte for byte (BR-28)", "[source]") {
  require_image_decoders();
  TempDir t;
  t.touch("root/caf\xC3\xA9/\xE7\x8C\xAB_01.png");
  t.touch("root/stra\xC3\x9F" "e/\xC3\x9Cn\xC3\xAF code 02.png");
  const classflow::Dataset ds = classflow::scan_dataset(registry(), scan_options(t.path("root")));
  CHECK(ds.class_index.class_names() == Strings{"caf\xC3\xA9", "stra\xC3\x9F" "e"});
  CHECK(ds.filenames() == Strings{"caf\xC3\xA9/\xE7\x8C\xAB_01.png", "stra\xC3\x9F" "e/\xC3\x9Cn\xC3\xAF code 02.png"});
  CHECK(ds.classes() == std::vector<int32_t>{0, 1});
}

TEST_CASE("directory via scan_dataset: follow_links with a loop and a broken link", "[source]") {
  require_image_decoders();
  TempDir t;
  make_link_tree(t);
  auto o = scan_options(t.path("root"));
  SECTION("not followed") {
    const classflow::Dataset ds = classflow::scan_dataset(registry(), o);
    CHECK(ds.filenames() == Strings{"cat/a.png", "cat/file.png", "cat/sub/b.png"});
    CHECK(skipped_lines(ds) == Strings{"cat/alias (link not followed '')", "cat/ext (link not followed '')",
                                       "cat/gone.png (broken link '')", "cat/self (link not followed '')",
                                       "cat/up (link not followed '')"});
  }
  SECTION("followed") {
    o.follow_links = true;
    const classflow::Dataset ds = classflow::scan_dataset(registry(), o);
    CHECK(ds.filenames() ==
          Strings{"cat/a.png", "cat/file.png", "cat/ext/o.png", "cat/ext/inner/i.png", "cat/sub/b.png"});
    CHECK(skipped_lines(ds) == Strings{"cat/alias (link loop '')", "cat/gone.png (broken link '')",
                                       "cat/self (link loop '')", "cat/up (link loop '')",
                                       "cat/ext/back (link loop '')"});
  }
}

TEST_CASE("directory via scan_dataset: label-less mode loads a flat root (BR-03b)", "[source]") {
  require_image_decoders();
  TempDir t;
  for (const char* rel : {"root/x2.jpg", "root/x3.jpg", "root/x1.jpg", "root/.DS_Store"}) t.touch(rel);
  auto o = scan_options(t.path("root"));
  o.labels = false;
  const classflow::Dataset ds = classflow::scan_dataset(registry(), o);
  CHECK_FALSE(ds.labelled);
  CHECK(ds.class_index.empty());
  CHECK(ds.filenames() == Strings{"x1.jpg", "x2.jpg", "x3.jpg"});
  CHECK(ds.classes() == std::vector<int32_t>{-1, -1, -1});
  CHECK(skipped_lines(ds) == Strings{".DS_Store (hidden '')"});
}
