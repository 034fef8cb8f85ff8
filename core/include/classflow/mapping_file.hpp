// classflow core: class_indices.json, the persisted mapping, and the formats it accepts.
#pragma once

#include <classflow/class_index.hpp>
#include <classflow/export.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace classflow {

/// Format tag written in every classflow mapping file.
inline constexpr const char* kMappingFormat = "classflow.class_indices/1";

/// A mapping with what it was made for. File format (`format` = kMappingFormat):
/// `{"format": "classflow.class_indices/1", "class_names": [...], "class_indices": {...},
///   "num_classes": 2, "class_mode": "binary", "positive_class": "dog",
///   "encoder_options": {"threshold": "0.7"}}` (positive_class only for binary).
struct MappingFile {
  ClassIndex class_index;                 ///< the mapping
  std::string class_mode;                 ///< e.g. "categorical"; "" when unknown
  std::optional<std::string> positive_class;  ///< binary: the class labelled 1.0 (index 1)
  /// The encoder options the labels were made with (e.g. label_smoothing): applied again when
  /// the mapping is used with the same class_mode.
  std::vector<std::pair<std::string, std::string>> encoder_options;
};

/// How a mapping is written.
enum class MappingFormat {
  classflow,  ///< the full classflow object above
  keras,      ///< a plain Keras `class_indices` dict {"name": index, ...}
};

/// Parses "classflow" | "keras". @throws UsageError listing the valid choices.
CLASSFLOW_CORE_API MappingFormat parse_mapping_format(const std::string& text);

/// Serialises `m` as JSON text (2-space indent, trailing newline).
CLASSFLOW_CORE_API std::string mapping_to_json(const MappingFile& m,
                                               MappingFormat format = MappingFormat::classflow);

/// Parses JSON text of any accepted form: a classflow file, a plain Keras `class_indices` dict,
/// a torchvision `class_to_idx` dict (both {"name": index}), or a Keras 3 `class_names` list.
/// `origin` names the file in messages.
/// @throws DataError for invalid JSON (also nesting deeper than 16 levels, numbers out of range),
/// indices that are not exactly 0..K-1, duplicate names, fields that contradict each other
/// (class_names vs class_indices, num_classes vs the names, a positive_class that is not the
/// binary index 1), naming `origin` and the fix.
CLASSFLOW_CORE_API MappingFile mapping_from_json(const std::string& text, const std::string& origin);

/// Writes `m` to `path` atomically (AtomicFile: the old file stays until the new one is whole on
/// disk). @throws DataError naming the path and the reason when it cannot be written.
CLASSFLOW_CORE_API void save_mapping(const std::string& path, const MappingFile& m,
                                     MappingFormat format = MappingFormat::classflow);

/// Reads a mapping from `path`. @throws DataError when missing or invalid, naming the path.
CLASSFLOW_CORE_API MappingFile load_mapping(const std::string& path);

}  // namespace classflow
