// classflow core: scanning a source into a Dataset (samples, class index, skipped entries).
#pragma once

#include <classflow/class_index.hpp>
#include <classflow/export.hpp>
#include <classflow/sdk/abi.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace classflow {

class Registry;

/// Which part of a validation split to keep (Keras `subset`); `both` is for scan_split.
enum class Subset { all, training, validation, both };
/// How validation samples are chosen within each class.
enum class SplitMethod {
  random,  ///< a seeded permutation per class (default): NumPy RandomState(seed) permutations,
           ///< drawn class after class in index order; the first floor(f * n_c) go to validation
  head,    ///< the first floor(f * n_c) files of each class (Keras 1.x DirectoryIterator)
};

/// Parses "training" | "validation" | "both" | "all". @throws UsageError listing the choices.
CLASSFLOW_CORE_API Subset parse_subset(const std::string& text);
/// Parses "random" | "head". @throws UsageError listing the choices.
CLASSFLOW_CORE_API SplitMethod parse_split_method(const std::string& text);

/// Everything a scan needs. Defaults follow Keras `flow_from_directory` unless noted.
struct ScanOptions {
  std::string root;                    ///< folder (or list file); required
  std::string source;                  ///< source plugin name; "" = best probe ("directory")
  std::vector<std::string> classes;    ///< explicit classes, kept in this order; empty = discover.
                                       ///< With class_indices: only those classes are read, and
                                       ///< they must appear in the saved order (else DataError)
  ClassOrder class_order = ClassOrder::bytes;  ///< order of discovered classes; default bytes
  std::optional<ClassIndex> class_indices;     ///< enforce a saved mapping (same indices)
  bool labels = true;                  ///< false = label-less (class_mode none): flat roots allowed
  bool follow_links = false;           ///< follow symlinked folders; default false (Keras)
  bool allow_empty = false;            ///< a class with 0 samples is an error unless true
  std::vector<std::pair<std::string, std::string>> source_options;  ///< source key=value
  double validation_split = 0.0;       ///< fraction in [0, 1) held out per class; default 0
  Subset subset = Subset::all;         ///< which side of the split to keep; default all
  SplitMethod split_method = SplitMethod::random;  ///< default random (seeded)
  uint32_t seed = 0;                   ///< seed of the split permutation; default 0
};

/// One sample: its path relative to the root ('/' separators, bytes as on disk) and class ids.
struct Sample {
  std::string path;
  std::vector<int32_t> class_ids;  ///< one id for single-label sources; 0..K for multi-label
  std::vector<float> values;       ///< raw numeric targets (csv raw labels), usually empty
};

/// A path that did not become a sample, and why.
struct SkippedEntry {
  std::string path;        ///< relative to the root
  cf_skip_reason reason;   ///< see abi.h
  std::string detail;      ///< e.g. the extension for CF_SKIP_UNSUPPORTED_EXTENSION
};

/// Human-readable name of a skip reason ("unsupported extension", "hidden", ...).
CLASSFLOW_CORE_API const char* skip_reason_name(cf_skip_reason reason);

/// The result of a scan: the mapping and the samples in canonical order (Keras `filenames`:
/// grouped by class index for folder trees, files in walk order within a class).
struct CLASSFLOW_CORE_API Dataset {
  std::string root;                     ///< as given
  std::string base_directory;           ///< folder relative sample paths start from (root for folders)
  std::string source;                   ///< the source plugin used
  ClassIndex class_index;               ///< the mapping; every index is fixed before any batch
  bool labelled = true;                 ///< false for label-less (flat) datasets
  std::vector<Sample> samples;          ///< canonical order
  std::vector<SkippedEntry> skipped;    ///< everything not taken, with reasons
  int64_t filtered = 0;                 ///< samples dropped for a class outside `classes`
  std::vector<std::string> warnings;    ///< e.g. saved classes missing from this data
  int64_t total_before_split = 0;       ///< samples before validation_split / subset

  /// Number of samples N.
  int64_t num_samples() const { return static_cast<int64_t>(samples.size()); }
  /// Relative paths in canonical order (Keras `filenames`).
  std::vector<std::string> filenames() const;
  /// First class id of each sample (Keras `classes`), -1 for an unlabelled sample.
  std::vector<int32_t> classes() const;
  /// Samples per class, [K] in index order (multi-label: samples where the class is positive).
  std::vector<int64_t> class_counts() const;
  /// Keras `fit(class_weight=...)` weights, [K] in index order: scikit-learn's
  /// compute_class_weight('balanced'), n_samples / (n_classes * count_c). Multi-label: the same
  /// formula with each class's positive count. A class without samples gets 0 (it is never seen;
  /// scikit-learn refuses such a class).
  std::vector<double> class_weight() const;
  /// Skipped entries grouped by reason name, then counted by detail (e.g. {".txt": 1}).
  std::map<std::string, std::map<std::string, int64_t>> skipped_summary() const;
  /// Keras' line: "Found N images belonging to C classes." (or "Found N images." unlabelled).
  std::string found_message() const;
};

/// Scans `options.root` with a registered source and builds the Dataset.
/// Classes: explicit list, else saved mapping, else discovered names sorted by class_order.
/// @throws UsageError for contradictory options (subset without validation_split, ...);
/// @throws DataError for a missing root, a root with images but no class folders (naming the
/// counts and suggesting label-less mode), an empty class without allow_empty (naming it and
/// the skipped extensions), unknown classes under a saved mapping (naming them), or explicit
/// classes that disagree with a saved mapping (naming both orders: the saved mapping decides);
/// @throws PluginError when the source plugin fails.
CLASSFLOW_CORE_API Dataset scan_dataset(const Registry& registry, const ScanOptions& options);

/// Training and validation subsets from one scan (Keras 3 `subset="both"`): one walk, one
/// mapping, disjoint subsets that together cover the data. options.subset is ignored.
/// @throws UsageError unless 0 < validation_split < 1; otherwise as scan_dataset.
CLASSFLOW_CORE_API std::pair<Dataset, Dataset> scan_split(const Registry& registry, ScanOptions options);

/// Refuses to write an output over one of the dataset's own files: an output never replaces an
/// input. Compares canonical paths, so links and `..` cannot hide a sample; a path that does not
/// exist yet is never a sample.
/// @throws UsageError "<what> '<path>' is image '<sample path>' of root '<root>'; expected a path
/// that is not part of the dataset" (what: e.g. "report output", "state file").
CLASSFLOW_CORE_API void refuse_output_over_samples(const Dataset& dataset, const std::string& path,
                                                   const std::string& what);

}  // namespace classflow
