// source 'directory': a root folder with one subfolder per class (Keras flow_from_directory,
// torchvision ImageFolder). Walk order follows Keras `_iter_valid_files`: every folder of a
// class sorted by full path string, files sorted by name within a folder (byte order).
#include <classflow/sdk/plugin.hpp>

#include "common/source_paths.hpp"

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <set>
#include <string>
#include <system_error>
#include <unordered_set>
#include <utility>
#include <vector>

namespace {

// std::filesystem, not Boost.Filesystem: Boost 1.74's directory_iterator leaves entry types
// unknown, so each entry costs an lstat (3.1 s for 100k files with a cold cache); libstdc++
// keeps readdir's d_type, so a listing costs getdents only (0.9 s cold, like Python os.walk).
namespace fs = std::filesystem;
using namespace classflow::sdk;

using classflow::plugins::to_path;
using classflow::plugins::to_utf8;
using classflow::plugins::ascii_lower;
using classflow::plugins::lower_extension;

/// What the walk needs from the request, parsed once.
struct WalkOptions {
  bool follow_links = false;    ///< descend into symlinked folders below a class; default false
  bool include_hidden = false;  ///< take names starting with '.'; default false
  bool labels = true;           ///< false: a root with no class folder yields flat samples
};



bool is_hidden(const std::string& name) { return !name.empty() && name.front() == '.'; }

/// What a folder entry is, from the type readdir gave; a symlink costs one stat of its target.
enum class EntryKind { file, folder, folder_link, broken_link, other, unreadable };

struct Classified {
  EntryKind kind;
  std::string detail;  ///< system message for broken_link (other than "not found") / unreadable
};

Classified classify(const fs::directory_entry& entry) {
  // is_symlink / is_regular_file / is_directory read the cached type; symlink_status() would
  // lstat every entry.
  std::error_code ec;
  const bool link = entry.is_symlink(ec);
  if (ec) return {EntryKind::unreadable, ec.message()};
  if (!link) {
    if (entry.is_regular_file(ec)) return {EntryKind::file, ""};
    if (!ec && entry.is_directory(ec)) return {EntryKind::folder, ""};
    if (ec) return {EntryKind::unreadable, ec.message()};
    return {EntryKind::other, ""};
  }
  const fs::file_status target = entry.status(ec);
  if (target.type() == fs::file_type::not_found) return {EntryKind::broken_link, ""};
  if (ec) {
    // A link cycle (a -> b -> a) leads nowhere, like a missing target.
    if (ec == std::errc::too_many_symbolic_link_levels) return {EntryKind::broken_link, ec.message()};
    return {EntryKind::unreadable, ec.message()};
  }
  if (target.type() == fs::file_type::regular) return {EntryKind::file, ""};
  if (target.type() == fs::file_type::directory) return {EntryKind::folder_link, ""};
  return {EntryKind::other, ""};
}

/// One entry of one folder listing, sorted by name.
struct Listed {
  std::string name;
  Classified what;
};

/// Lists `dir` once, sorted by name (byte order). On failure returns false with `error` set to
/// the system message; entries read before the failure are kept.
bool list_folder(const fs::path& dir, std::vector<Listed>& out, std::string& error) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  const fs::directory_iterator end;
  for (; !ec && it != end; it.increment(ec))
    out.push_back({to_utf8(it->path().filename()), classify(*it)});
  std::sort(out.begin(), out.end(),
            [](const Listed& a, const Listed& b) { return a.name < b.name; });
  if (ec) error = ec.message();
  return !ec;
}

/// A sample or a skipped path found in one folder.
struct Record {
  std::string name;  ///< entry name in the folder; "" for the folder itself
  bool sample = false;
  cf_skip_reason reason = CF_SKIP_OTHER;
  std::string detail;
};

/// One walked folder: its path relative to the root and what it holds.
struct Folder {
  std::string rel;
  std::string canonical;  ///< real path, kept only with follow_links (loop detection)
  std::vector<Record> records;
};

/// A folder still to walk (a class folder, or a symlinked folder to follow).
struct Pending {
  std::string rel;
  fs::path path;
  std::size_t parent = 0;  ///< index in folders of the folder holding the link
  std::string name;        ///< the link's name in that folder
};

/// The walk of one class folder, reporting to a sink.
class ClassWalk {
 public:
  ClassWalk(const WalkOptions& options, const std::unordered_set<std::string>& extensions)
      : options_(options), extensions_(extensions) {}

  /// Walks class folder `path` (relative path `name`) and reports samples of class `name`.
  void run(const fs::path& path, const std::string& name, const ScanSink& sink) {
    std::error_code ec;
    if (options_.follow_links) {
      // Real paths are needed only to detect loops; resolving them costs ~6 syscalls a class.
      fs::path canonical = fs::canonical(path, ec);
      if (ec) canonical = fs::absolute(path, ec).lexically_normal();
      class_canonical_ = to_utf8(canonical);
      visited_.insert(class_canonical_);
    }

    // Real folders are walked before any link is followed, so a link to a folder that is also
    // reachable directly is the one reported (as a loop), never the real folder.
    std::vector<Folder> roots{{name, class_canonical_, {}}};
    std::vector<fs::path> paths{path};
    while (!roots.empty()) {
      std::vector<Pending> links;
      for (std::size_t i = 0; i < roots.size(); ++i) walk_tree(std::move(roots[i]), paths[i], links);
      roots.clear();
      paths.clear();
      std::sort(links.begin(), links.end(),
                [](const Pending& a, const Pending& b) { return a.rel < b.rel; });
      for (Pending& link : links) {
        fs::path target = fs::canonical(link.path, ec);
        if (ec) {
          folders_[link.parent].records.push_back({link.name, false, CF_SKIP_UNREADABLE, ec.message()});
          continue;
        }
        std::string target_str = to_utf8(target);
        if (visited_.count(target_str) != 0 || is_ancestor_of_class(target_str)) {
          folders_[link.parent].records.push_back({link.name, false, CF_SKIP_LINK_LOOP, ""});
          continue;
        }
        visited_.insert(target_str);
        roots.push_back({link.rel, std::move(target_str), {}});
        paths.push_back(link.path);
      }
    }
    emit(name, sink);
  }

 private:
  /// Walks the real (non-link) folders under `top`, collecting symlinked folders in `links`.
  void walk_tree(Folder top, const fs::path& top_path, std::vector<Pending>& links) {
    std::vector<std::pair<Folder, fs::path>> stack;
    stack.emplace_back(std::move(top), top_path);
    while (!stack.empty()) {
      Folder folder = std::move(stack.back().first);
      const fs::path path = std::move(stack.back().second);
      stack.pop_back();
      const std::size_t index = folders_.size();
      std::vector<Listed> entries;
      std::string error;
      if (!list_folder(path, entries, error))
        folder.records.push_back({"", false, CF_SKIP_UNREADABLE, error});
      for (Listed& e : entries) {
        if (is_hidden(e.name) && !options_.include_hidden) {
          folder.records.push_back({std::move(e.name), false, CF_SKIP_HIDDEN, ""});
          continue;
        }
        switch (e.what.kind) {
          case EntryKind::file: {
            std::string ext = lower_extension(e.name);
            if (extensions_.count(ext) != 0)
              folder.records.push_back({std::move(e.name), true, CF_SKIP_OTHER, ""});
            else
              folder.records.push_back(
                  {std::move(e.name), false, CF_SKIP_UNSUPPORTED_EXTENSION, std::move(ext)});
            break;
          }
          case EntryKind::folder: {
            Folder child{folder.rel + "/" + e.name, "", {}};
            if (options_.follow_links) {
              child.canonical = to_utf8(to_path(folder.canonical) / to_path(e.name));
              visited_.insert(child.canonical);
            }
            stack.emplace_back(std::move(child), path / to_path(e.name));
            break;
          }
          case EntryKind::folder_link:
            if (options_.follow_links)
              links.push_back({folder.rel + "/" + e.name, path / to_path(e.name), index, e.name});
            else
              folder.records.push_back({std::move(e.name), false, CF_SKIP_LINK_NOT_FOLLOWED, ""});
            break;
          case EntryKind::broken_link:
            folder.records.push_back(
                {std::move(e.name), false, CF_SKIP_BROKEN_LINK, std::move(e.what.detail)});
            break;
          case EntryKind::unreadable:
            folder.records.push_back(
                {std::move(e.name), false, CF_SKIP_UNREADABLE, std::move(e.what.detail)});
            break;
          case EntryKind::other:
            folder.records.push_back({std::move(e.name), false, CF_SKIP_OTHER, "not a regular file"});
            break;
        }
      }
      folders_.push_back(std::move(folder));
    }
  }

  /// True when `target` is the class folder's parent chain (root or above): following it
  /// would walk the class again from outside.
  bool is_ancestor_of_class(const std::string& target) const {
    const char separator = static_cast<char>(fs::path::preferred_separator);
    if (target.empty() || target.back() == separator) return true;  // "/" or "C:\"
    return class_canonical_.size() > target.size() &&
           class_canonical_.compare(0, target.size(), target) == 0 &&
           class_canonical_[target.size()] == separator;
  }

  /// Reports in walk order: folders by path string, entries by name within a folder
  /// (Python `sorted(os.walk(d), key=lambda x: x[0])`, then `sorted(files)`).
  void emit(const std::string& class_name, const ScanSink& sink) {
    std::sort(folders_.begin(), folders_.end(),
              [](const Folder& a, const Folder& b) { return a.rel < b.rel; });
    const std::vector<std::string> classes{class_name};
    for (Folder& folder : folders_) {
      // Already in listing order unless a loop or a listing error was appended later.
      const auto by_name = [](const Record& a, const Record& b) { return a.name < b.name; };
      if (!std::is_sorted(folder.records.begin(), folder.records.end(), by_name))
        std::stable_sort(folder.records.begin(), folder.records.end(), by_name);
      for (const Record& r : folder.records) {
        const std::string path = r.name.empty() ? folder.rel : folder.rel + "/" + r.name;
        if (r.sample)
          sink.add_sample(path, classes);
        else
          sink.add_skipped(path, r.reason, r.detail);
      }
    }
  }

  const WalkOptions& options_;
  const std::unordered_set<std::string>& extensions_;
  std::string class_canonical_;
  std::unordered_set<std::string> visited_;  ///< canonical paths of walked folders
  std::vector<Folder> folders_;
};

/// The 'directory' source. Stateless: one instance serves every scan.
///
/// Options (strings "1"/"0"/"true"/"false"):
///  - `follow_links` (default 0): descend into symlinked folders below a class folder (Keras
///    `follow_links`); a folder already walked in that class, or the root and above, is
///    reported as CF_SKIP_LINK_LOOP. Symlinked class folders are classes either way (as in
///    Keras and torchvision, whose walk starts at the class folder).
///  - `include_hidden` (default 0): take files and folders whose name starts with '.'.
///  - `labels` (default 1): 0 with no class folder in the root makes each root file with a
///    claimed extension a sample with no class (label-less mode, differs from Keras).
/// Explicit classes (request.classes): each named folder that exists is announced with
/// add_class (even a hidden one); the other folders are still walked so the core can count
/// their samples as filtered (BR-08); a named class without a folder is left to the core.
class DirectorySource final : public DatasetSource {
 public:
  int32_t probe(const std::string& root) const override {
    std::error_code ec;
    return fs::is_directory(to_path(root), ec) ? 100 : 0;
  }

  /// @throws InvalidArgument (a usage error, exit 2) for an unknown option or bad value;
  /// DataError (exit 3) for a root that does not exist, is not a folder or cannot be listed.
  void scan(const ScanRequest& request, const ScanSink& sink) const override {
    request.options.require_known("source 'directory'", {"follow_links", "include_hidden", "labels"});
    WalkOptions options;
    options.follow_links = request.options.get_bool("follow_links", false);
    options.include_hidden = request.options.get_bool("include_hidden", false);
    options.labels = request.options.get_bool("labels", true);

    const fs::path root = to_path(request.root);
    check_root(root, request.root);
    std::unordered_set<std::string> extensions;
    for (const std::string& ext : request.extensions) extensions.insert(ascii_lower(ext));

    std::vector<Listed> entries;
    std::string error;
    if (!list_folder(root, entries, error))
      throw DataError("dataset root '" + request.root + "' cannot be read (" + error +
                      "); expected a readable folder with one subfolder per class");

    const bool explicit_classes = !request.classes.empty();
    const std::unordered_set<std::string> requested(request.classes.begin(), request.classes.end());
    bool has_class_folder = false;
    for (const Listed& e : entries) has_class_folder = has_class_folder || is_class_folder(e, options);
    const bool flat = !options.labels && !has_class_folder && !explicit_classes;

    // Root entries that are not classes first (the root's own listing comes first in the walk).
    std::set<std::string> folders;
    for (const Listed& e : entries) {
      // A named class is taken even when hidden: the caller asked for it by name.
      if (explicit_classes && is_folder(e) && requested.count(e.name) != 0) {
        folders.insert(e.name);
        continue;
      }
      if (is_hidden(e.name) && !options.include_hidden) {
        sink.add_skipped(e.name, CF_SKIP_HIDDEN);
        continue;
      }
      if (is_folder(e))
        folders.insert(e.name);
      else
        report_root_file(e, flat, extensions, sink);
    }
    // With explicit classes the other folders are walked too but not announced as classes:
    // the core drops their samples and counts them as filtered (BR-08).
    for (const std::string& name : folders)
      walk_class(root, name, !explicit_classes || requested.count(name) != 0, options, extensions, sink);
  }

 private:
  static void check_root(const fs::path& root, const std::string& text) {
    std::error_code ec;
    const fs::file_status st = fs::status(root, ec);
    if (st.type() == fs::file_type::not_found)
      throw DataError("dataset root '" + text + "' does not exist; expected a folder with one subfolder per class");
    if (ec)
      throw DataError("dataset root '" + text + "' cannot be read (" + ec.message() +
                      "); expected a readable folder with one subfolder per class");
    if (st.type() != fs::file_type::directory)
      throw DataError("dataset root '" + text + "' is not a folder; expected a folder with one subfolder per class");
  }

  static bool is_folder(const Listed& e) {
    return e.what.kind == EntryKind::folder || e.what.kind == EntryKind::folder_link;
  }

  static bool is_class_folder(const Listed& e, const WalkOptions& options) {
    return is_folder(e) && (options.include_hidden || !is_hidden(e.name));
  }

  /// Reports a visible root entry that is not a folder: a root file (the core's BR-03 error
  /// counts them), or in label-less mode (`flat`) a sample with no class.
  static void report_root_file(const Listed& e, bool flat,
                               const std::unordered_set<std::string>& extensions, const ScanSink& sink) {
    switch (e.what.kind) {
      case EntryKind::folder:
      case EntryKind::folder_link: return;
      case EntryKind::file: {
        std::string ext = lower_extension(e.name);
        if (!flat)
          sink.add_skipped(e.name, CF_SKIP_ROOT_FILE, ext);
        else if (extensions.count(ext) != 0)
          sink.add_sample(e.name, {});
        else
          sink.add_skipped(e.name, CF_SKIP_UNSUPPORTED_EXTENSION, ext);
        return;
      }
      case EntryKind::broken_link: sink.add_skipped(e.name, CF_SKIP_BROKEN_LINK, e.what.detail); return;
      case EntryKind::unreadable: sink.add_skipped(e.name, CF_SKIP_UNREADABLE, e.what.detail); return;
      case EntryKind::other: sink.add_skipped(e.name, CF_SKIP_OTHER, "not a regular file"); return;
    }
  }

  /// Walks folder `name` of `root`; `announce` reports it with add_class first.
  static void walk_class(const fs::path& root, const std::string& name, bool announce,
                         const WalkOptions& options, const std::unordered_set<std::string>& extensions,
                         const ScanSink& sink) {
    if (announce) sink.add_class(name);
    ClassWalk walk(options, extensions);
    walk.run(root / to_path(name), name, sink);
  }
};

}  // namespace

CLASSFLOW_PLUGIN("classflow_source_directory", CLASSFLOW_PLUGIN_VERSION, "MIT",
                 "folder tree with one subfolder per class (Keras flow_from_directory layout)") {
  registrar.add_source<DirectorySource>(
      "directory", "root/<class>/**/<file>; classes = immediate subfolders, files walked recursively",
      CF_SOURCE_GROUP_BY_CLASS);
}
