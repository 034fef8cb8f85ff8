// classflow core: class_indices.json, the persisted mapping, and the formats it accepts.
#pragma once

#include <classflow/class_index.hpp>
#include <classflow/export.hpp>

#include <optional>
#include <string>

namespace classflow {

/// Format tag written in every classflow mapping file.
inline constexpr const char* kMappingFormat = "classflow.class_indices/1";

/// A mapping with what it was made for. File format (`format` = kMappingFormat):
/// `{"format": "classflow.class_indices/1", "class_names": [...], "class_indices": {...},
///   "class_mode": "binary", "positive_class": "dog"}` (positive_class only for binary).
struct MappingFile {
  ClassIndex class_index;                 ///< the mapping
  std::string class_mode;                 ///< e.g. "categorical"; "" when unknown
  std::optional<std::string> positive_class;  ///< binary: the class labelled 1.0 (index 1)
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
/// @throws DataError for invalid JSON, indices that are not exactly 0..K-1, duplicate names, or
/// class_names and class_indices that disagree, naming `origin` and the fix.
CLASSFLOW_CORE_API MappingFile mapping_from_json(const std::string& text, const std::string& origin);

/// Writes `m` to `path` (replacing it atomically). @throws DataError when it cannot be written.
CLASSFLOW_CORE_API void save_mapping(const std::string& path, const MappingFile& m,
                                     MappingFormat format = MappingFormat::classflow);

/// Reads a mapping from `path`. @throws DataError when missing or invalid, naming the path.
CLASSFLOW_CORE_API MappingFile load_mapping(const std::string& path);

}  // namespace classflow
