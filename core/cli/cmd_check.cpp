// `classflow check`: corrupt files, duplicates, conflicting labels and leaks between roots.
#include "common.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>

namespace classflow::cli {

void CheckFlags::add_to(CLI::App& app) {
  app.add_flag("--no-decode", no_decode, "Hashes and headers only (no pixel decoding): faster, misses damaged pixel data");
  app.add_option("--target-size", target_size, "HxW: report images with a side below half of it (upscaled > 2x)");
  app.add_flag("--near-duplicates", near_duplicates, "Also compare perceptual hashes (pHash, as Python imagehash)");
  app.add_option("--near-threshold", near_threshold, "pHash bits that may differ for a near-duplicate (0..64)")
      ->capture_default_str();
  app.add_option("--num-workers", num_workers, "Threads reading files (0: one per core)")->capture_default_str();
  app.add_option("--max-image-pixels", max_image_pixels, "Report larger images instead of decoding them (0: no limit)")
      ->capture_default_str();
}

CheckOptions CheckFlags::to_options() const {
  CheckOptions o;
  o.decode = !no_decode;
  if (!target_size.empty()) {
    o.target_size = parse_target_size(target_size);
    check_target_size(*o.target_size);
  }
  o.near_duplicates = near_duplicates;
  o.near_threshold = near_threshold;
  o.num_workers = num_workers;
  o.max_image_pixels = max_image_pixels;
  check_check_options(o);  // before the scan
  return o;
}

namespace {

std::string where(const CheckResult& r, const CheckedFile& f) {
  std::string s = r.bases[static_cast<std::size_t>(f.root)] + "/" + f.path;
  if (!f.classes.empty()) s += fmt::format(" [{}]", fmt::join(f.classes, ","));
  return printable(s);
}

void print_text(const CheckResult& r, const std::vector<LabelledDataset>& sets, int64_t max_listed, bool sized) {
  fmt::print("checked {} root{}: {} files, {:.1f} MB in {:.2f} s ({:.0f} files/s){}\n", r.roots.size(),
             r.roots.size() == 1 ? "" : "s", r.files, static_cast<double>(r.bytes) / 1e6, r.seconds,
             r.seconds > 0 ? static_cast<double>(r.files) / r.seconds : 0.0,
             !r.decoded             ? ", headers only (--no-decode)"
             : r.corrupt.empty() ? ", every image decoded"
                                 : fmt::format(", images decoded ({} could not be)", r.corrupt.size()));
  for (std::size_t d = 0; d < sets.size(); ++d) {
    const Dataset& ds = sets[d].dataset;
    fmt::print("root '{}': {}\n", printable(ds.root), ds.found_message());
    if (!ds.skipped.empty())
      fmt::print("  skipped entries (not images, hidden, ...): {} (classflow scan lists them)\n", ds.skipped.size());
    if (!ds.labelled) continue;
    std::size_t width = 5;
    for (const auto& n : ds.class_index.class_names()) width = std::max(width, printable(n).size());
    fmt::print("  {:<{}}  {:>7}  {:>6}  {:>6}  {:>7}  {:>6}  {:>6}  {:>6}  {:>7}  {:>6}\n", "class", width, "images",
               "gray", "rgb", "palette", "cmyk", "alpha", "16-bit", "unknown", "unread");
    for (int32_t c = 0; c < ds.class_index.size(); ++c) {
      const ColorCounts& cc = r.colors[d][static_cast<std::size_t>(c)];
      fmt::print("  {:<{}}  {:>7}  {:>6}  {:>6}  {:>7}  {:>6}  {:>6}  {:>6}  {:>7}  {:>6}\n",
                 printable(ds.class_index.name_of(c)), width, cc.images, cc.gray, cc.rgb, cc.palette, cc.cmyk, cc.alpha,
                 cc.high_bit_depth, cc.unknown, cc.unreadable);
    }
  }
  auto section = [&](const std::string& title, std::size_t n, auto&& print_item) {
    fmt::print("{}: {}\n", title, n);
    for (std::size_t i = 0; i < n && static_cast<int64_t>(i) < max_listed; ++i) print_item(i);
    if (static_cast<int64_t>(n) > max_listed) fmt::print("  ... and {} more (--format json lists all)\n", n - max_listed);
  };
  section("corrupt or unreadable", r.corrupt.size(),
          [&](std::size_t i) { fmt::print("  {}\n    {}\n", where(r, r.corrupt[i].file), printable(r.corrupt[i].reason)); });
  for (DuplicateKind kind : {DuplicateKind::conflict, DuplicateKind::leak, DuplicateKind::duplicate}) {
    std::vector<const DuplicateGroup*> groups;
    for (const auto& g : r.duplicates)
      if (g.kind == kind) groups.push_back(&g);
    const char* title = kind == DuplicateKind::conflict ? "conflict (one picture under several classes)"
                        : kind == DuplicateKind::leak   ? "leak (the same file in several roots)"
                                                        : "duplicate (byte-identical files, same class)";
    section(title, groups.size(), [&](std::size_t i) {
      const DuplicateGroup& g = *groups[i];
      fmt::print("  {} files, {} bytes, xxh128 {}{}\n", g.files.size(), g.bytes, g.hash,
                 g.kind == DuplicateKind::leak && g.label_conflict ? " (and labelled differently)" : "");
      for (const auto& f : g.files) fmt::print("    {}\n", where(r, f));
    });
  }
  section("extension disagrees with content", r.extension_mismatch.size(), [&](std::size_t i) {
    const auto& m = r.extension_mismatch[i];
    fmt::print("  {}: named {} but its bytes are a format of decoder '{}'\n", where(r, m.file), printable(m.extension),
               m.content);
  });
  if (sized)
    section("small (a side below half of --target-size)", r.small.size(), [&](std::size_t i) {
      fmt::print("  {}: {}x{} (HxW)\n", where(r, r.small[i].file), r.small[i].height, r.small[i].width);
    });
  if (!r.near_duplicates.empty())
    section("near-duplicates (pHash)", r.near_duplicates.size(), [&](std::size_t i) {
      const auto& n = r.near_duplicates[i];
      fmt::print("  distance {}{}{}\n    {}\n    {}\n", n.distance, n.cross_root ? ", across roots" : "",
                 n.label_conflict ? ", different classes" : "", where(r, n.a), where(r, n.b));
    });
  for (const auto& w : r.warnings) fmt::print("warning: {}\n", printable(w));
  if (r.exit_code() == 0) {
    fmt::print("result: clean (nothing blocks training)\n");
  } else {
    fmt::print("result: {} corrupt, {} conflict, {} leak (exit 3)\n", r.corrupt.size(), r.count(DuplicateKind::conflict),
               r.count(DuplicateKind::leak));
  }
}

}  // namespace

std::vector<Dataset> datasets_of(const std::vector<LabelledDataset>& sets) {
  std::vector<Dataset> out;
  for (const auto& s : sets) out.push_back(s.dataset);
  return out;
}

int run_check_command(const PluginOptions& plugins, const ScanFlags& scan, const CheckFlags& flags) {
  const Format format = parse_format(flags.format);
  const CheckOptions options = flags.to_options();
  if (flags.max_listed < 0) throw UsageError("--max-listed is negative; expected 0 or more");
  auto registry = plugins.make_registry();
  const auto sets = scan.scan_roots(*registry);
  for (const auto& s : sets) print_warnings(s.dataset);
  const auto datasets = datasets_of(sets);
  const CheckResult result = check_datasets(*registry, datasets, options);
  if (format == Format::json) std::cout << check_result_json(result, datasets) << "\n";
  else print_text(result, sets, flags.max_listed, options.target_size.has_value());
  return result.exit_code();
}

}  // namespace classflow::cli
