// classflow core: a self-contained HTML page about one or more datasets (mapping, counts,
// thumbnails, sizes, check findings).
#pragma once

#include <classflow/dataset_check.hpp>
#include <classflow/export.hpp>
#include <classflow/label_spec.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace classflow {

class Registry;

/// What the report shows beyond the data.
struct ReportOptions {
  std::string title;               ///< page title; "" = "classflow report: <roots>"
  int32_t thumbnails = 8;          ///< thumbnails per class and root, 0..64 (spread over the class)
  int32_t thumbnail_size = 96;     ///< side of a thumbnail, pixels (centre crop, Pillow bilinear)
};

/// The report as one HTML document: no scripts, no external fonts, styles or images (thumbnails
/// are inline JPEG data URIs, charts inline SVG), and a Content-Security-Policy that forbids any
/// fetch. Sections: the mapping table with each class's encoded label in the chosen class_mode
/// (and which class is 1 in binary mode), images and class_weight per class and root; a class
/// count bar chart per root with the imbalance ratio (largest / smallest class); thumbnails per
/// class titled with class name and label vector (as the seed's plots()); width, height and
/// aspect-ratio histograms; colour models per class; every `check` finding with its paths.
/// `sets[0]` gives the mapping; `check` must come from check_datasets over the same datasets.
/// @throws UsageError for options out of range; a thumbnail that cannot be decoded is drawn as a
/// labelled placeholder (the check lists why), never an error.
CLASSFLOW_CORE_API std::string render_report(const Registry& registry, const std::vector<LabelledDataset>& sets,
                                             const CheckResult& check, const ReportOptions& options = {});

/// render_report written to `path` atomically (a temporary file renamed into place).
/// @throws DataError naming the path when it cannot be written; as render_report.
CLASSFLOW_CORE_API void write_report(const Registry& registry, const std::vector<LabelledDataset>& sets,
                                     const CheckResult& check, const std::string& path,
                                     const ReportOptions& options = {});

}  // namespace classflow
