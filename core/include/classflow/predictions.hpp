// classflow core: model predictions back to classes, through any encoder (the inverse of labels).
#pragma once

#include <classflow/export.hpp>
#include <classflow/label_encoder.hpp>
#include <classflow/sdk/label_encoder.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace classflow {

/// Decodes `num_rows` prediction rows of `width` float32 scores each (row-major [N, width], e.g.
/// `model.predict` output) into class ids with scores, best first, through `encoder`: argmax /
/// top-k for categorical and sparse, the threshold for binary (a row of width 1 is P(index 1))
/// and multi_hot (every class over it). `row_name(i)` names row i in errors (default "prediction
/// row i", 0-based).
/// @throws DataError "<row name>: encoder '<name>' (plugin '<file>'): <reason>" when a row does not fit the encoder (wrong width,
/// a probability outside [0, 1], NaN); UsageError for bad options (top_k < 1, threshold outside
/// [0, 1]); PluginError when the encoder's plugin fails.
CLASSFLOW_CORE_API std::vector<std::vector<sdk::Decoded>> decode_predictions(
    const LabelEncoder& encoder, const float* rows, int64_t num_rows, int64_t width,
    const sdk::DecodeOptions& options, const std::function<std::string(int64_t)>& row_name = {});

}  // namespace classflow
