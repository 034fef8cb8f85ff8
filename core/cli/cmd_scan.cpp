// `classflow scan`: the mapping, counts and skipped entries of a dataset, as text or JSON.
#include "common.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>

namespace classflow::cli {

void print_scan_text(const Dataset& ds, const LabelSpec& labels) {
  fmt::print("{}\n", ds.found_message());
  if (ds.labelled) {
    fmt::print("class_mode: {} (labels {})\n", labels.class_mode(), labels.label_summary());
    auto counts = ds.class_counts();
    std::size_t width = 5;
    for (const auto& n : ds.class_index.class_names()) width = std::max(width, printable(n).size());
    const auto weights = ds.class_weight();  // scikit-learn 'balanced', for fit(class_weight=...)
    fmt::print("class_indices:\n  {:>5}  {:<{}}  {:>7}  {:>12}\n", "index", "class", width, "images", "class_weight");
    for (int32_t i = 0; i < ds.class_index.size(); ++i)
      fmt::print("  {:>5}  {:<{}}  {:>7}  {:>12.4f}\n", i, printable(ds.class_index.name_of(i)), width,
                 counts[static_cast<std::size_t>(i)], weights[static_cast<std::size_t>(i)]);
    if (auto pos = labels.positive_class())
      fmt::print("binary: label 1.0 = class '{}' (index 1); label 0.0 = class '{}' (index 0)\n", printable(*pos),
                 printable(ds.class_index.name_of(0)));
  } else if (labels.has_labels() && !labels.has_class_index()) {
    fmt::print("class_mode: {} (labels {}); class_indices: none (numeric targets, no class mapping)\n",
               labels.class_mode(), labels.label_summary());
  } else {
    fmt::print("class_mode: {} (no class folders; label-less)\n", labels.class_mode());
  }
  if (ds.total_before_split != ds.num_samples())
    fmt::print("subset: {} of {} images\n", ds.num_samples(), ds.total_before_split);
  if (ds.filtered > 0) fmt::print("filtered: {} images of classes not in --classes\n", ds.filtered);
  auto summary = ds.skipped_summary();
  if (!summary.empty()) {
    fmt::print("skipped entries: {}\n", ds.skipped.size());
    for (const auto& [reason, details] : summary) {
      int64_t n = 0;
      std::vector<std::string> parts;
      for (const auto& [detail, count] : details) {
        n += count;
        if (!detail.empty()) parts.push_back(fmt::format("{}:{}", detail, count));
      }
      for (auto& part : parts) part = printable(part);
      if (parts.empty()) fmt::print("  {}: {}\n", reason, n);
      else fmt::print("  {}: {} ({})\n", reason, n, fmt::join(parts, " "));
      if (reason == "missing file" || reason == "broken link" || reason == "unreadable") {
        // A count plus the first paths, so the user can look at them.
        int shown = 0;
        for (const auto& s : ds.skipped)
          if (skip_reason_name(s.reason) == reason && shown++ < 5) fmt::print("    {}\n", printable(s.path));
        if (n > 5) fmt::print("    ... and {} more\n", n - 5);
      }
    }
  }
}

namespace {

nlohmann::ordered_json to_json(const Dataset& ds, const LabelSpec& labels) {
  nlohmann::ordered_json j;
  j["message"] = ds.found_message();
  // raw: no mapping; say so explicitly, never an empty one.
  const bool raw = labels.has_labels() && !labels.has_class_index();
  j["class_indices"] = raw ? nlohmann::ordered_json(nullptr) : class_indices_json(ds.class_index);
  j["class_names"] = raw ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(ds.class_index.class_names());
  j["num_classes"] = ds.class_index.size();
  j["num_samples"] = ds.num_samples();
  j["class_mode"] = labels.class_mode();
  auto pos = labels.positive_class();
  j["positive_class"] = pos ? nlohmann::ordered_json(*pos) : nlohmann::ordered_json(nullptr);
  if (const auto& enc = labels.encoder()) {
    j["label_dtype"] = sdk::dtype_name(enc->label_desc().dtype);
    j["label_shape"] = enc->label_desc().shape;
  }
  j["filenames"] = ds.filenames();
  j["classes"] = ds.classes();
  nlohmann::ordered_json counts = nlohmann::ordered_json::object();
  auto c = ds.class_counts();
  auto& count_map = counts.get_ref<nlohmann::ordered_json::object_t&>();
  for (int32_t i = 0; i < ds.class_index.size(); ++i)
    count_map.emplace_back(ds.class_index.name_of(i), c[static_cast<std::size_t>(i)]);
  j["class_counts"] = counts;
  // class_weight (scikit-learn 'balanced'), keyed by class name and by index.
  nlohmann::ordered_json by_name = nlohmann::ordered_json::object(), by_index = nlohmann::ordered_json::object();
  const auto weights = ds.class_weight();
  for (int32_t i = 0; i < ds.class_index.size(); ++i) {
    by_name.get_ref<nlohmann::ordered_json::object_t&>().emplace_back(ds.class_index.name_of(i),
                                                                      weights[static_cast<std::size_t>(i)]);
    // emplace_back, not operator[]: an ordered_json lookup is linear, K of them quadratic.
    by_index.get_ref<nlohmann::ordered_json::object_t&>().emplace_back(std::to_string(i),
                                                                       weights[static_cast<std::size_t>(i)]);
  }
  j["class_weight"] = {{"by_name", by_name}, {"by_index", by_index}};
  j["filtered"] = ds.filtered;
  nlohmann::ordered_json skipped = nlohmann::ordered_json::array();
  for (const auto& s : ds.skipped)
    skipped.push_back({{"path", s.path}, {"reason", skip_reason_name(s.reason)}, {"detail", s.detail}});
  j["skipped"] = skipped;
  j["warnings"] = ds.warnings;
  return j;
}

}  // namespace

int run_scan_command(const PluginOptions& plugins, const ScanFlags& flags, const std::string& format) {
  Format fmt_kind = parse_format(format);
  auto registry = plugins.make_registry();
  if (parse_subset(flags.subset) == Subset::both) {
    // Both subsets of one walk, each with its own summary; one mapping for both.
    LabelledSplit r = run_scan_split(*registry, flags);
    nlohmann::ordered_json both;
    for (auto [subset, ds] : {std::pair{"training", &r.training}, std::pair{"validation", &r.validation}}) {
      print_warnings(*ds);
      if (fmt_kind == Format::json) {
        both[subset] = to_json(*ds, r.labels);
      } else {
        fmt::print("== subset {}\n", subset);
        print_scan_text(*ds, r.labels);
      }
    }
    if (fmt_kind == Format::json) print_json(both);
    return 0;
  }
  LabelledDataset r = run_scan(*registry, flags);
  print_warnings(r.dataset);
  if (fmt_kind == Format::json) print_json(to_json(r.dataset, r.labels));
  else print_scan_text(r.dataset, r.labels);
  return 0;
}

}  // namespace classflow::cli
