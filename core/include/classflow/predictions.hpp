// classflow core: model predictions back to classes, through any encoder (the inverse of labels).
#pragma once

#include <classflow/export.hpp>
#include <classflow/label_encoder.hpp>
#include <classflow/sdk/label_encoder.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace classflow {

class LabelSpec;

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

/// The [N, width] that predictions of array shape `shape` are decoded as, in the CLI and in
/// Python alike: [N, K] as it is; [N] is N rows of one score when `labels` is binary (sigmoid
/// outputs, one P(positive class) each), otherwise one row of N scores (one sample's output, as
/// `model.predict(x)[0]` gives).
/// @throws UsageError "predictions of shape [...] are not rows; ..." for another rank.
CLASSFLOW_CORE_API std::array<int64_t, 2> prediction_rows_shape(const std::vector<int64_t>& shape,
                                                                const LabelSpec& labels);

/// Prediction rows read from a text file, as NumPy's savetxt or any CSV writer makes them.
struct PredictionTable {
  std::vector<std::vector<float>> rows;  ///< one per data line, in file order
  std::vector<int64_t> lines;            ///< 1-based line of each row in the file (.npy: 0-based row index)
  char delimiter = ',';                  ///< ',', ';', '\t', or ' ' (runs of blanks, savetxt's default)
  bool header = false;                   ///< the first line held no number at all and was skipped
  bool npy = false;                      ///< read from a .npy array: `shape` is its shape
  std::vector<int64_t> shape;            ///< the .npy array's shape ([N] or [N, K]); empty for text

  /// The rows as `labels` decodes them (prediction_rows_shape): a 1-D .npy array of a class_mode
  /// other than binary becomes one row. Text rows stay as read.
  CLASSFLOW_CORE_API PredictionTable& fit(const LabelSpec& labels);
};

/// Parses prediction rows from `text`: a NumPy .npy array ([N] or [N, K], numeric, as numpy.save
/// writes model.predict's output) when it starts with the .npy magic; otherwise text: the delimiter is the first of ',', '\t', ';' found on
/// the first non-empty line, else blanks (NumPy savetxt); a first line without any number is a
/// header. Every other cell must be a number within float range (denormals such as 1e-39
/// included). `origin` names the file in messages; .npy rows and columns are 0-based there (as
/// NumPy indexes them), text lines and columns 1-based (as editors count them).
/// @throws DataError "predictions file '<origin>' line L column C holds '<cell>'; expected a
/// number" (plus the delimiter used when it is not ','; cells shown with control and non-ASCII
/// bytes as \xNN), for malformed quoting, a .npy array that is not [N] or [N, K >= 1], or a zip
/// archive (numpy.savez).
CLASSFLOW_CORE_API PredictionTable parse_predictions(std::string_view text, const std::string& origin);

/// parse_predictions of the file at `path`. @throws DataError naming the path when it is a
/// folder or unreadable.
CLASSFLOW_CORE_API PredictionTable read_predictions(const std::string& path);

/// The names of a filenames file, one per line (the filenames.txt `flow --export` writes, in the
/// order of its prediction rows); a final newline ends the last name. CRLF line ends and a UTF-8
/// byte-order mark are dropped, as in predictions files; a blank line is an empty name (a row).
/// @throws DataError naming the path when it is a folder, not a regular file (a FIFO, a device)
/// or unreadable.
CLASSFLOW_CORE_API std::vector<std::string> read_filenames_file(const std::string& path);

}  // namespace classflow
