// classflow core: the label policy of a dataset — class_mode, encoder and its options, resolved
// once for the CLI, Python and C++ callers alike.
#pragma once

#include <classflow/dataset.hpp>
#include <classflow/export.hpp>
#include <classflow/label_encoder.hpp>
#include <classflow/mapping_file.hpp>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace classflow {

class Registry;

/// What a caller asks for about labels (Keras `class_mode`, plus encoder options and a saved
/// mapping to enforce).
struct LabelOptions {
  /// Encoder name (`categorical`, `binary`, `sparse`, `multi_hot`, `raw`, any plugin encoder),
  /// `input` (labels are the images) or `none` (no labels; `None` is accepted, as Keras spells
  /// it). "" = the class_mode saved in `mapping`, else `categorical` (Keras's default).
  std::string class_mode;
  /// key=value options for the encoder (`--encoder-opt`), e.g. {"label_smoothing", "0.1"}.
  std::vector<std::pair<std::string, std::string>> encoder_options;
  /// A saved mapping (`--class-indices`): its indices are enforced on the scan and its
  /// class_mode is the default. Default none.
  std::optional<MappingFile> mapping;
};

/// The label policy of one dataset: resolved before the scan (`resolve`: the class_mode is
/// checked against the loaded encoders, so a typo fails before a large tree is walked), then
/// bound to the scanned classes (`bind`: the encoder is built once, e.g. binary checks that
/// there are exactly 2 classes). A bound spec is what a DataLoader encodes with, what `scan`
/// prints, and what a mapping file records. Cheap to copy (the encoder is shared).
class CLASSFLOW_CORE_API LabelSpec {
 public:
  /// Resolves options.class_mode (see LabelOptions) and keeps the options.
  /// @throws UsageError for an unknown class_mode, listing the choices; PluginError when the
  /// encoder's plugin was refused or no encoder plugin is loaded.
  static LabelSpec resolve(const Registry& registry, const LabelOptions& options);

  /// Adjusts `scan` for this class_mode: a label-less scan for `none` and `raw`, numeric label
  /// columns for `raw`, and the saved mapping's indices enforced (ScanOptions::class_indices).
  void prepare(ScanOptions& scan) const;

  /// This spec bound to `dataset`'s class index: the encoder is created once with the options
  /// (`raw`: option `width` = the number of values per sample unless given), and every sample's
  /// labels are encoded once (bounded scratch memory) so a label the encoder refuses fails now.
  /// @throws DataError when the encoder refuses the classes (binary with 3 classes, naming them),
  /// a sample's labels (e.g. two classes for categorical: "labels of '<path>' (classes: a, b)
  /// cannot be encoded: ..."), or `raw` rows differ in width (naming the sample); UsageError for
  /// an option the encoder refuses; PluginError when the encoder's plugin fails.
  LabelSpec bind(const Registry& registry, const Dataset& dataset) const;
  /// This spec bound to a bare class index, e.g. a saved mapping's, to decode predictions.
  /// @throws as bind(registry, dataset); `raw` needs the `width` option here.
  LabelSpec bind(const Registry& registry, const ClassIndex& class_index) const;

  /// True once bound to a dataset.
  bool bound() const noexcept { return bound_; }
  /// The resolved class_mode: an encoder name, "input" or "none".
  const std::string& class_mode() const noexcept { return class_mode_; }
  /// True unless class_mode is "none" (batches then carry images only).
  bool has_labels() const noexcept { return class_mode_ != "none"; }
  /// True for class_mode "input" (labels are a copy of the images, Keras autoencoders).
  bool labels_are_images() const noexcept { return class_mode_ == "input"; }
  /// False for `raw` (numeric targets) and `none`: there is no class mapping to print or save.
  bool has_class_index() const noexcept { return class_mode_ != "raw" && class_mode_ != "none"; }
  /// True when a prediction row may decode to several classes (multi_hot).
  bool multi_label() const noexcept { return class_mode_ == "multi_hot"; }
  /// The encoder; null for input / none or before bind().
  const std::shared_ptr<const LabelEncoder>& encoder() const noexcept { return encoder_; }
  /// Encoder options as given, plus `width` for raw once bound.
  const std::vector<std::pair<std::string, std::string>>& encoder_options() const noexcept { return encoder_options_; }
  /// The saved mapping this spec enforces, if any.
  const std::optional<MappingFile>& saved_mapping() const noexcept { return saved_; }
  /// The bound dataset's mapping (empty before bind()).
  const ClassIndex& class_index() const noexcept { return class_index_; }
  /// Binary: the class labelled 1.0 (index 1), so "which class is 1?" always has an answer.
  std::optional<std::string> positive_class() const;
  /// "float32 [N, 10]" for an encoder's labels; "labels are the images"; "no labels".
  std::string label_summary() const;
  /// What `--save-class-indices` writes for this spec.
  MappingFile mapping() const;

 private:
  std::string class_mode_ = "none";
  std::vector<std::pair<std::string, std::string>> encoder_options_;
  std::optional<MappingFile> saved_;
  std::shared_ptr<const LabelEncoder> encoder_;
  ClassIndex class_index_;
  bool bound_ = false;
};

/// A scanned dataset with its bound label spec.
struct LabelledDataset {
  Dataset dataset;
  LabelSpec labels;
};

/// resolve -> prepare -> scan_dataset -> bind: the whole of `classflow scan`'s policy.
/// @throws as LabelSpec::resolve, scan_dataset and LabelSpec::bind.
CLASSFLOW_CORE_API LabelledDataset scan_labelled(const Registry& registry, ScanOptions scan,
                                                 const LabelOptions& labels);

/// Training and validation subsets of one walk (scan_split) with one bound label spec
/// (Keras 3 `subset="both"`).
struct LabelledSplit {
  Dataset training;
  Dataset validation;
  LabelSpec labels;
};

/// As scan_labelled, for scan_split. @throws as scan_split and LabelSpec::bind.
CLASSFLOW_CORE_API LabelledSplit scan_labelled_split(const Registry& registry, ScanOptions scan,
                                                     const LabelOptions& labels);

}  // namespace classflow
