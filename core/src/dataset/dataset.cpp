// scan_dataset: source plugin -> class names -> ClassIndex -> samples in canonical order.
#include <classflow/dataset.hpp>
#include <classflow/error.hpp>
#include <classflow/registry.hpp>

#include "dataset/split.hpp"
#include "plugins/plugin_call.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>
#include <unordered_map>

namespace classflow {

Subset parse_subset(const std::string& text) {
  if (text == "training") return Subset::training;
  if (text == "validation") return Subset::validation;
  if (text == "both") return Subset::both;
  if (text == "all" || text.empty()) return Subset::all;
  throw UsageError(fmt::format("unknown subset '{}'; expected one of: both, training, validation", text));
}

SplitMethod parse_split_method(const std::string& text) {
  if (text == "random") return SplitMethod::random;
  if (text == "head") return SplitMethod::head;
  throw UsageError(fmt::format("unknown split_method '{}'; expected one of: random, head", text));
}

const char* skip_reason_name(cf_skip_reason reason) {
  switch (reason) {
    case CF_SKIP_UNSUPPORTED_EXTENSION: return "unsupported extension";
    case CF_SKIP_HIDDEN: return "hidden";
    case CF_SKIP_ROOT_FILE: return "file in root";
    case CF_SKIP_BROKEN_LINK: return "broken link";
    case CF_SKIP_LINK_LOOP: return "link loop";
    case CF_SKIP_LINK_NOT_FOLLOWED: return "link not followed";
    case CF_SKIP_MISSING_FILE: return "missing file";
    case CF_SKIP_UNREADABLE: return "unreadable";
    case CF_SKIP_OTHER: break;
  }
  return "other";
}

std::vector<std::string> Dataset::filenames() const {
  std::vector<std::string> out;
  out.reserve(samples.size());
  for (const auto& s : samples) out.push_back(s.path);
  return out;
}

std::vector<int32_t> Dataset::classes() const {
  std::vector<int32_t> out;
  out.reserve(samples.size());
  for (const auto& s : samples) out.push_back(s.class_ids.empty() ? -1 : s.class_ids.front());
  return out;
}

std::vector<int64_t> Dataset::class_counts() const {
  std::vector<int64_t> counts(static_cast<std::size_t>(class_index.size()), 0);
  for (const auto& s : samples)
    for (int32_t c : s.class_ids) ++counts[static_cast<std::size_t>(c)];
  return counts;
}

std::vector<double> Dataset::class_weight() const {
  const auto counts = class_counts();
  std::vector<double> w(counts.size(), 0.0);
  const double n = static_cast<double>(num_samples()), k = static_cast<double>(counts.size());
  for (std::size_t c = 0; c < counts.size(); ++c)
    if (counts[c] > 0) w[c] = n / (k * static_cast<double>(counts[c]));
  return w;
}

std::map<std::string, std::map<std::string, int64_t>> Dataset::skipped_summary() const {
  std::map<std::string, std::map<std::string, int64_t>> out;
  for (const auto& s : skipped) {
    std::string key = s.reason == CF_SKIP_UNSUPPORTED_EXTENSION || s.reason == CF_SKIP_ROOT_FILE
                          ? (s.detail.empty() ? std::string("(no extension)") : s.detail)
                          : std::string();
    ++out[skip_reason_name(s.reason)][key];
  }
  return out;
}

void refuse_output_over_samples(const Dataset& ds, const std::string& path, const std::string& what) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return;
  const std::string out = std::filesystem::canonical(path, ec).string();
  if (ec) return;
  const std::string base =
      std::filesystem::weakly_canonical(ds.base_directory.empty() ? ds.root : ds.base_directory, ec).string() + "/";
  if (ec || out.compare(0, base.size(), base) != 0) return;
  const std::string rel = out.substr(base.size());
  for (const auto& s : ds.samples)
    if (s.path == rel)
      throw UsageError(fmt::format("{} '{}' is image '{}' of root '{}'; expected a path that is not part of the dataset",
                                   what, path, rel, ds.root));
}

std::string Dataset::found_message() const {
  if (!labelled) return fmt::format("Found {} images.", samples.size());
  return fmt::format("Found {} images belonging to {} classes.", samples.size(), class_index.size());
}

namespace {

struct RawSample {
  std::string path;
  std::vector<std::string> classes;
  std::vector<float> values;
};

struct Collector {
  std::vector<std::string> classes;  // in the order reported
  std::set<std::string> class_set;
  std::vector<RawSample> samples;
  std::vector<SkippedEntry> skipped;
  bool keep_order = false;
  std::string base_directory;

  static void set_base_directory(void* ctx, const char* path) { static_cast<Collector*>(ctx)->base_directory = path; }
  static void keep_class_order(void* ctx) { static_cast<Collector*>(ctx)->keep_order = true; }
  static void add_class(void* ctx, const char* name) {
    auto* c = static_cast<Collector*>(ctx);
    if (c->class_set.insert(name).second) c->classes.emplace_back(name);
  }
  static void add_sample(void* ctx, const char* path, const char* const* names, size_t n) {
    auto* c = static_cast<Collector*>(ctx);
    RawSample s{path, {}, {}};
    for (size_t i = 0; i < n; ++i) s.classes.emplace_back(names[i]);
    c->samples.push_back(std::move(s));
  }
  static void add_values(void* ctx, const float* values, size_t n) {
    auto* c = static_cast<Collector*>(ctx);
    if (!c->samples.empty()) c->samples.back().values.assign(values, values + n);
  }
  static void add_skipped(void* ctx, const char* path, int32_t reason, const char* detail) {
    static_cast<Collector*>(ctx)->skipped.push_back(
        {path, static_cast<cf_skip_reason>(reason), detail ? detail : ""});
  }
};

// "'.tif': 1, '.txt': 1" for the skipped files under one class folder (or the whole root).
std::string skipped_extensions_under(const std::vector<SkippedEntry>& skipped, const std::string& prefix) {
  std::map<std::string, int64_t> counts;
  for (const auto& s : skipped)
    if (s.reason == CF_SKIP_UNSUPPORTED_EXTENSION && s.path.rfind(prefix, 0) == 0)
      ++counts[s.detail.empty() ? "(no extension)" : s.detail];
  std::vector<std::string> parts;
  for (const auto& [ext, n] : counts) parts.push_back(fmt::format("{}:{}", ext, n));
  return fmt::format("{}", fmt::join(parts, " "));
}

// A saved mapping is the truth: an explicit class list may only restrict it, in its order. A
// list in another order would mean the user believes other indices (cat = 0 where the saved
// mapping says dog = 0): a silent wrong label if either one won.
void require_classes_agree(const std::vector<std::string>& classes, const ClassIndex& saved, const std::string& root) {
  int32_t last = -1;
  bool ok = true;
  for (const auto& c : classes) {
    auto i = saved.find(c);
    ok = ok && i && *i > last;
    if (i) last = *i;
  }
  if (ok) return;
  throw DataError(fmt::format("classes '{}' for '{}' disagree with the saved class indices '{}'; expected the saved "
                              "classes in their order (or some of them, in that order), or no explicit classes: the "
                              "saved mapping decides the indices",
                              fmt::join(classes, ","), root, fmt::join(saved.class_names(), ",")));
}

}  // namespace

Dataset scan_dataset(const Registry& registry, const ScanOptions& o) {
  if (o.root.empty()) throw UsageError("dataset root '' is empty; expected a folder or a list file");
  detail::refuse_nul("dataset root", o.root);  // the source plugin would scan another folder
  for (const auto& c : o.classes) detail::refuse_nul("class", c);
  if (!(o.validation_split >= 0.0 && o.validation_split < 1.0))
    throw UsageError(fmt::format("validation_split '{}' is out of range; expected 0 <= F < 1", o.validation_split));
  if (o.subset != Subset::all && o.validation_split <= 0.0)
    throw UsageError(fmt::format(
        "subset '{}' needs a validation split; expected --validation-split F (validation_split=F) with 0 < F < 1",
        o.subset == Subset::training ? "training"
        : o.subset == Subset::both   ? "both"
                                     : "validation"));
  if (o.subset == Subset::both)
    throw UsageError("subset 'both' gives two datasets; expected scan_split() (C++) or the CLI's --subset both");

  const SourceEntry& src = o.source.empty() ? registry.source_for(o.root) : registry.source(o.source);

  std::vector<std::string> extensions = registry.extensions();
  std::vector<const char*> ext_ptrs, class_ptrs;
  for (const auto& e : extensions) ext_ptrs.push_back(e.c_str());
  for (const auto& c : o.classes) class_ptrs.push_back(c.c_str());
  std::vector<std::pair<std::string, std::string>> opts = o.source_options;
  if (o.follow_links) opts.emplace_back("follow_links", "1");
  if (!o.labels) opts.emplace_back("labels", "0");
  const std::vector<cf_option> opt_ptrs = detail::c_options(opts);

  auto req = detail::sized<cf_scan_request>();
  req.root = o.root.c_str();
  req.extensions = ext_ptrs.data();
  req.num_extensions = ext_ptrs.size();
  req.classes = class_ptrs.data();
  req.num_classes = class_ptrs.size();
  req.options = opt_ptrs.data();
  req.num_options = opt_ptrs.size();

  Collector col;
  auto sink = detail::sized<cf_scan_sink>();
  sink.context = &col;
  sink.add_class = &Collector::add_class;
  sink.add_sample = &Collector::add_sample;
  sink.add_values = &Collector::add_values;
  sink.add_skipped = &Collector::add_skipped;
  sink.keep_class_order = &Collector::keep_class_order;
  sink.set_base_directory = &Collector::set_base_directory;
  // A bad source option is a usage error (exit 2); a bad root or list is a data error (exit 3).
  detail::PluginCall call({"source", src.vtable->name, src.file}, "scan");
  call.check(src.vtable->scan(&req, &sink, call.status()));

  Dataset ds;
  ds.root = o.root;
  ds.source = src.vtable->name;
  ds.base_directory = col.base_directory.empty() ? o.root : col.base_directory;
  ds.skipped = std::move(col.skipped);
  // Files the user meant as data but that cannot be read (a CSV row naming a typo, a broken
  // link): left out, and said so (Keras warns of "invalid image filename(s)"), never silently.
  {
    std::map<std::string, int64_t> lost;
    const SkippedEntry* first = nullptr;
    for (const auto& s : ds.skipped)
      if (s.reason == CF_SKIP_MISSING_FILE || s.reason == CF_SKIP_UNREADABLE || s.reason == CF_SKIP_BROKEN_LINK ||
          s.reason == CF_SKIP_LINK_LOOP) {
        ++lost[skip_reason_name(s.reason)];
        if (first == nullptr) first = &s;
      }
    if (first != nullptr) {
      int64_t n = 0;
      std::vector<std::string> parts;
      for (const auto& [reason, count] : lost) {
        n += count;
        parts.push_back(fmt::format("{}: {}", reason, count));
      }
      ds.warnings.push_back(
          fmt::format("{} file{} of '{}' cannot be read and {} left out ({}; the first: '{}'); "
                      "`classflow scan` lists them",
                      n, n == 1 ? "" : "s", o.root, n == 1 ? "was" : "were", fmt::join(parts, ", "), first->path));
    }
  }

  // Every class name the source mentioned, as folders or as labels.
  std::vector<std::string> found = col.classes;
  std::set<std::string> found_set = col.class_set;
  for (const auto& s : col.samples)
    for (const auto& c : s.classes)
      if (found_set.insert(c).second) found.push_back(c);

  bool any_labels = !found.empty();
  ds.labelled = o.labels || any_labels;
  if (o.class_indices && !o.classes.empty()) require_classes_agree(o.classes, *o.class_indices, o.root);
  if (!o.classes.empty() && !o.class_indices) {
    ds.class_index = ClassIndex(o.classes);  // explicit list keeps its order (Keras classes=[...])
  } else if (o.class_indices) {
    ds.class_index = *o.class_indices;
    // With explicit classes the other folders' samples are filtered out below (BR-08): only the
    // listed classes (all in the mapping, checked above) are read, so only they must be in it.
    const std::set<std::string> listed(o.classes.begin(), o.classes.end());
    std::vector<std::string> unknown, missing;
    for (const auto& c : found)
      if (!ds.class_index.find(c) && (listed.empty() || listed.count(c) != 0)) unknown.push_back(c);
    if (!unknown.empty()) {
      std::sort(unknown.begin(), unknown.end());
      // U+0300..U+036F (UTF-8 CC 80..CD AF): an accent stored apart from its letter (NFD), as macOS
      // writes file names; the same name typed or saved elsewhere is one code point (NFC), and
      // both print alike.
      const auto decomposed = [](const std::string& s) {
        for (std::size_t i = 0; i + 1 < s.size(); ++i) {
          const auto a = static_cast<unsigned char>(s[i]), b = static_cast<unsigned char>(s[i + 1]);
          if ((a == 0xCC && b >= 0x80 && b <= 0xBF) || (a == 0xCD && b >= 0x80 && b <= 0xAF)) return true;
        }
        return false;
      };
      const auto& saved = ds.class_index.class_names();
      const bool nfd = std::any_of(unknown.begin(), unknown.end(), decomposed) ||
                       std::any_of(saved.begin(), saved.end(), decomposed);
      throw DataError(fmt::format(
          "classes {} in '{}' are not in the saved class indices ({}); expected only "
          "classes of the saved mapping: remove those folders, or rescan the training "
          "data and save a new mapping{}",
          fmt::format("'{}'", fmt::join(unknown, "', '")), o.root, fmt::join(ds.class_index.class_names(), ", "),
          nfd ? " (a name spells an accent as a separate combining mark (Unicode NFD), as "
                "macOS writes names; if a folder looks like a saved class, make both NFC, "
                "e.g. convmv -r --nfc -f utf8 -t utf8 --notest on the folders)"
              : ""));
    }
    for (const auto& c : ds.class_index.class_names())
      if (!found_set.count(c)) missing.push_back(c);
    if (!missing.empty()) {
      // A hidden class ('.h') is skipped by a folder scan unless named: say how to read it.
      const bool hidden = (src.vtable->flags & CF_SOURCE_GROUP_BY_CLASS) &&
                          std::any_of(missing.begin(), missing.end(), [](const std::string& c) { return !c.empty() && c[0] == '.'; });
      ds.warnings.push_back(fmt::format("classes of the saved mapping not present in '{}': {} (indices kept){}", o.root,
                                        fmt::join(missing, ", "),
                                        hidden ? "; a name starting with '.' is a hidden folder, read only when named "
                                                 "in classes (--classes) or with --source-opt include_hidden=1"
                                               : ""));
    }
  } else if (col.keep_order) {
    ds.class_index = ClassIndex(found);  // the source's order (CSV label columns)
  } else {
    ds.class_index = ClassIndex::sorted(found, o.class_order);
  }

  if (o.labels && ds.class_index.empty()) {
    int64_t root_images = 0, root_files = 0;
    std::set<std::string> ext_set(extensions.begin(), extensions.end());
    for (const auto& s : ds.skipped)
      if (s.reason == CF_SKIP_ROOT_FILE) {
        ++root_files;
        if (ext_set.count(s.detail)) ++root_images;
      }
    if (!(src.vtable->flags & CF_SOURCE_GROUP_BY_CLASS))  // a list: classes come from its rows
      throw DataError(
          fmt::format("labels file '{}' names no class ({} rows of files); expected rows of a file and "
                      "its class under a header, e.g. filename,class",
                      o.root, col.samples.size() + ds.skipped.size()));
    if (root_images > 0)
      throw DataError(
          fmt::format("dataset root '{}' has 0 class subfolders and {} image files directly in it; "
                      "expected one subfolder per class: point to the parent folder, or load the "
                      "images without labels (--class-mode none, class_mode=None)",
                      o.root, root_images));
    throw DataError(fmt::format("dataset root '{}' has 0 class subfolders ({} files directly in it); expected one "
                                "subfolder per class holding images",
                                o.root, root_files));
  }

  // Class names -> indices. Samples of a class outside an explicit list are filtered, counted.
  // (With a saved mapping the index holds more classes than the explicit list reads.)
  const std::set<std::string> listed(o.classes.begin(), o.classes.end());
  ds.samples.reserve(col.samples.size());
  for (auto& r : col.samples) {
    Sample s{std::move(r.path), {}, std::move(r.values)};
    bool keep = true;
    for (const auto& c : r.classes) {
      auto id = ds.class_index.find(c);
      if (!id || (!listed.empty() && !listed.count(c))) {
        keep = false;
        break;
      }
      s.class_ids.push_back(*id);
    }
    if (!keep) {
      ++ds.filtered;
      continue;
    }
    ds.samples.push_back(std::move(s));
  }
  if (ds.labelled && (src.vtable->flags & CF_SOURCE_GROUP_BY_CLASS)) {
    // Keras order: class by class in index order, walk order within a class.
    std::stable_sort(ds.samples.begin(), ds.samples.end(), [](const Sample& a, const Sample& b) {
      int32_t ca = a.class_ids.empty() ? -1 : a.class_ids.front();
      int32_t cb = b.class_ids.empty() ? -1 : b.class_ids.front();
      return ca < cb;
    });
  }

  if (ds.labelled) {
    auto counts = ds.class_counts();
    std::vector<std::string> empty;
    for (int32_t c = 0; c < ds.class_index.size(); ++c) {
      if (counts[static_cast<std::size_t>(c)] > 0) continue;
      const std::string& name = ds.class_index.name_of(c);
      if (!found_set.count(name) && !o.class_indices) {
        empty.push_back((src.vtable->flags & CF_SOURCE_GROUP_BY_CLASS)
                            ? fmt::format("'{}' (no folder '{}/{}')", name, o.root, name)
                            : fmt::format("'{}' (no rows in '{}')", name, o.root));
      } else if (!o.classes.empty() && o.class_indices &&
                 std::find(o.classes.begin(), o.classes.end(), name) == o.classes.end()) {
        empty.push_back(fmt::format("'{}' (not in classes)", name));  // its files exist; they were not asked for
      } else {
        std::string skipped = skipped_extensions_under(ds.skipped, name + "/");
        empty.push_back(skipped.empty() ? fmt::format("'{}' (no files)", name)
                                        : fmt::format("'{}' (skipped: {})", name, skipped));
      }
    }
    int64_t missing = 0;
    std::string first_missing;
    for (const auto& sk : ds.skipped)
      if (sk.reason == CF_SKIP_MISSING_FILE && missing++ == 0) first_missing = sk.path;
    if (!empty.empty() && !o.allow_empty && !o.class_indices && missing > 0)
      throw DataError(
          fmt::format("class {} has no images: {} listed files are missing (e.g. '{}' under '{}'); "
                      "expected paths relative to --directory (directory= in Python; default: the list file's folder)",
                      fmt::join(empty, ", class "), missing, first_missing, ds.base_directory));
    if (!empty.empty() && !o.allow_empty && !o.class_indices)
      throw DataError(
          fmt::format("class {} has no images; expected at least one image with a supported extension "
                      "({}) per class, or --allow-empty (allow_empty=True) to keep empty classes",
                      fmt::join(empty, ", class "), fmt::join(extensions, " ")));
    if (!empty.empty())
      ds.warnings.push_back(fmt::format("empty classes kept with their index: {}", fmt::join(empty, ", ")));
  }

  ds.total_before_split = ds.num_samples();
  if (o.subset != Subset::all) {
    auto mask = detail::validation_mask(ds.classes(), ds.class_index.size(), o.validation_split,
                                        o.split_method, o.seed);
    std::vector<Sample> kept;
    for (std::size_t i = 0; i < ds.samples.size(); ++i)
      if (mask[i] == (o.subset == Subset::validation)) kept.push_back(std::move(ds.samples[i]));
    ds.samples = std::move(kept);
    if (ds.samples.empty())
      ds.warnings.push_back(fmt::format("subset '{}' of validation_split {} is empty",
                                        o.subset == Subset::training ? "training" : "validation",
                                        o.validation_split));
  }
  return ds;
}

std::pair<Dataset, Dataset> scan_split(const Registry& registry, ScanOptions o) {
  if (!(o.validation_split > 0.0 && o.validation_split < 1.0))
    throw UsageError(fmt::format("validation_split '{}' is out of range for subset 'both'; expected 0 < F < 1",
                                 o.validation_split));
  o.subset = Subset::all;
  Dataset all = scan_dataset(registry, o);
  auto mask = detail::validation_mask(all.classes(), all.class_index.size(), o.validation_split, o.split_method, o.seed);
  std::pair<Dataset, Dataset> out;
  Dataset& train = out.first;
  Dataset& val = out.second;
  for (Dataset* d : {&train, &val}) {
    d->root = all.root;
    d->base_directory = all.base_directory;
    d->source = all.source;
    d->class_index = all.class_index;
    d->labelled = all.labelled;
    d->skipped = all.skipped;
    d->filtered = all.filtered;
    d->warnings = all.warnings;
    d->total_before_split = all.num_samples();
  }
  for (std::size_t i = 0; i < all.samples.size(); ++i) (mask[i] ? val : train).samples.push_back(std::move(all.samples[i]));
  for (auto [d, name] : {std::pair{&train, "training"}, std::pair{&val, "validation"}})
    if (d->samples.empty())
      d->warnings.push_back(fmt::format("subset '{}' of validation_split {} is empty", name, o.validation_split));
  return out;
}

}  // namespace classflow
