// classflow SDK: the label-encoder interface a plugin author implements (C++17, header-only).
#pragma once

#include <classflow/sdk/abi.h>
#include <classflow/sdk/types.hpp>

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace classflow::sdk {
inline namespace v1 {

/// What an encoder is constructed with: the class index (names in index order) and options.
struct EncoderContext {
  int32_t num_classes = 0;               ///< K
  std::vector<std::string> class_names;  ///< [K] in index order
  Options options;                       ///< from `--encoder-opt key=value`
};

/// Class ids of N samples; sample i owns ids(i)[0 .. count(i)).
struct LabelBatch {
  int64_t num_samples = 0;
  const int32_t* class_ids = nullptr;  ///< [offsets[N]]
  const int64_t* offsets = nullptr;    ///< [N + 1]
  const float* values = nullptr;       ///< [N, values_per_sample] raw targets, or nullptr
  int64_t values_per_sample = 0;

  /// Number of classes of sample i (1 for single-label sources).
  int64_t count(int64_t i) const { return offsets[i + 1] - offsets[i]; }
  /// Pointer to the class ids of sample i.
  const int32_t* ids(int64_t i) const { return class_ids + offsets[i]; }
};

/// How a prediction row is decoded.
struct DecodeOptions {
  int32_t top_k = 1;                ///< results wanted, >= 1
  std::optional<double> threshold;  ///< score >= threshold selects (binary, multi-label)
};

/// One decoded class and its score.
struct Decoded {
  int32_t class_id = 0;
  float score = 0.0f;
};

/// Base class of a label encoder. A subclass has a constructor `T(const EncoderContext&)` that
/// validates its options (InvalidArgument: a usage error) and the classes it is given (DataError,
/// e.g. binary with 3 classes), naming what it found.
class LabelEncoder {
 public:
  virtual ~LabelEncoder() = default;
  /// Per-sample label shape and dtype, e.g. float32 [K] (one-hot) or int32 [] (sparse).
  virtual TensorDesc label_desc() const = 0;
  /// Writes batch.num_samples labels, each label_desc() shaped, contiguously into `out`
  /// (caller-allocated, num_samples * label_desc().num_bytes() bytes).
  /// @throws InvalidArgument when a sample has a class id outside [0, K) or the wrong count.
  virtual void encode(const LabelBatch& batch, void* out) const = 0;
  /// Decodes one prediction row of `width` scores into classes with scores, best first.
  /// @throws InvalidArgument when `width` does not match what this encoder produces.
  virtual std::vector<Decoded> decode(const float* row, int64_t width, const DecodeOptions& options) const = 0;
};

/// `v` as short text for messages ("0.7", not "0.700000").
inline std::string format_number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

/// A decision threshold in [0, 1] (binary, multi-label); `text` is how the user wrote it.
/// @throws InvalidArgument naming option 'threshold' and the value otherwise (NaN included).
inline double checked_threshold(double t, const std::string& text) {
  if (!(t >= 0.0 && t <= 1.0))
    throw InvalidArgument("option 'threshold' value '" + text + "' is out of range; expected 0 <= threshold <= 1");
  return t;
}

/// The k best (index, score) pairs of a row, by score descending, ties to the lower index.
inline std::vector<Decoded> top_k_scores(const float* row, int64_t width, int32_t k) {
  std::vector<Decoded> all;
  all.reserve(static_cast<std::size_t>(width));
  for (int64_t i = 0; i < width; ++i) all.push_back({static_cast<int32_t>(i), row[i]});
  std::stable_sort(all.begin(), all.end(), [](const Decoded& a, const Decoded& b) { return a.score > b.score; });
  if (k >= 0 && static_cast<std::size_t>(k) < all.size()) all.resize(static_cast<std::size_t>(k));
  return all;
}

/// @throws DataError unless every sample of `batch` has exactly one id in [0, K);
/// `mode` names the encoder in the message.
inline void require_single_label(const LabelBatch& batch, int32_t num_classes, const std::string& mode) {
  for (int64_t i = 0; i < batch.num_samples; ++i) {
    if (batch.count(i) != 1)
      throw DataError("class_mode '" + mode + "' sample " + std::to_string(i) + " has " +
                      std::to_string(batch.count(i)) + " classes; expected exactly 1 (use multi_hot for several)");
    int32_t id = batch.ids(i)[0];
    if (id < 0 || id >= num_classes)
      throw DataError("class id '" + std::to_string(id) + "' is out of range; expected 0.." +
                      std::to_string(num_classes - 1));
  }
}

/// @throws DataError unless width == expected, naming the encoder (the predictions are bad data).
inline void require_width(int64_t width, int64_t expected, const std::string& mode) {
  if (width != expected)
    throw DataError("prediction row of class_mode '" + mode + "' has " + std::to_string(width) +
                    " values; expected " + std::to_string(expected));
}

/// For an encoder constructor: @throws DataError when num_classes (K) < `minimum`, e.g.
/// "class_mode 'sparse' needs at least 1 class; found 0"; `mode` names the encoder.
inline void require_min_classes(int32_t num_classes, int32_t minimum, const std::string& mode) {
  if (num_classes < minimum)
    throw DataError("class_mode '" + mode + "' needs at least " + std::to_string(minimum) +
                    (minimum == 1 ? " class" : " classes") + "; found " + std::to_string(num_classes));
}

/// @throws InvalidArgument when options.top_k < 1.
inline void require_top_k(const DecodeOptions& options) {
  if (options.top_k < 1)
    throw InvalidArgument("top_k '" + std::to_string(options.top_k) + "' is out of range; expected at least 1");
}

/// Decodes a row of `width` competing scores (e.g. one softmax) as top_k_scores does: the
/// options.top_k best classes, best first, ties to the lower index; options.threshold is ignored.
/// Check the width first (require_width).
/// @throws InvalidArgument when options.top_k < 1; DataError when a score is NaN (it would break
/// the ordering), naming its column.
inline std::vector<Decoded> decode_top_k(const float* row, int64_t width, const DecodeOptions& options) {
  require_top_k(options);
  for (int64_t i = 0; i < width; ++i)
    if (std::isnan(row[i]))
      throw DataError("prediction value 'nan' in column " + std::to_string(i) +
                      " is not a number; expected finite scores");
  return top_k_scores(row, width, options.top_k);
}

}  // namespace v1
}  // namespace classflow::sdk
