// classflow core: where a run of a DataLoader is — a few numbers that let it continue at the next
// batch without decoding anything twice (torchdata StatefulDataLoader's protocol).
#pragma once

#include <classflow/export.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace classflow {

/// Format tag of every state file.
inline constexpr const char* kLoaderStateFormat = "classflow.loader_state/1";

/// A resume point. `epoch` is the epoch in progress and `batches_consumed` how many of its
/// batches this shard has delivered (0..its batches). The fingerprints tie the state to the
/// dataset (files, classes, mapping) and to the options that change batches; num_workers,
/// prefetch and the shard count may change between save and resume.
struct LoaderState {
  int64_t epoch = 0;
  int64_t batches_consumed = 0;
  int32_t shard_id = 0;       ///< of the run that saved it
  int32_t num_shards = 1;     ///< of the run that saved it
  int64_t num_samples = 0;    ///< N of the dataset
  std::string dataset_fingerprint;  ///< FNV-1a 64 of the file list, class ids and class names
  /// The options that change batches, as name -> value text (batch_size, seed, shuffle,
  /// target_size, interpolation, transforms, class_mode, ...), so a mismatch can be named.
  std::vector<std::pair<std::string, std::string>> options;
};

/// The state as JSON text (format kLoaderStateFormat).
CLASSFLOW_CORE_API std::string state_to_json(const LoaderState& state);
/// Parses a state file's text. `origin` names it in messages.
/// @throws UsageError when it is not a classflow loader state (naming origin and the field).
CLASSFLOW_CORE_API LoaderState state_from_json(const std::string& text, const std::string& origin);
/// Writes the state atomically. @throws DataError naming the path when it cannot be written.
CLASSFLOW_CORE_API void save_state(const std::string& path, const LoaderState& state);
/// Reads a state file. @throws UsageError when missing or invalid, naming the path.
CLASSFLOW_CORE_API LoaderState load_state(const std::string& path);

}  // namespace classflow
