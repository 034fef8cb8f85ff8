#include <classflow/error.hpp>
#include <classflow/predictions.hpp>

#include <fmt/format.h>

namespace classflow {

std::vector<std::vector<sdk::Decoded>> decode_predictions(const LabelEncoder& encoder, const float* rows,
                                                          int64_t num_rows, int64_t width,
                                                          const sdk::DecodeOptions& options,
                                                          const std::function<std::string(int64_t)>& row_name) {
  if (options.top_k < 1) throw UsageError(fmt::format("top_k '{}' is out of range; expected >= 1", options.top_k));
  if (num_rows < 0 || width < 0)
    throw UsageError(fmt::format("predictions shape [{}, {}] is invalid; expected [N, width] with N, width >= 0",
                                 num_rows, width));
  std::vector<std::vector<sdk::Decoded>> out;
  out.reserve(static_cast<std::size_t>(num_rows));
  for (int64_t i = 0; i < num_rows; ++i) {
    try {
      out.push_back(encoder.decode(rows + i * width, width, options));
    } catch (const DataError& e) {
      // A row the encoder cannot read is bad data in this file: say which row (the encoder's
      // message names the encoder).
      throw DataError(fmt::format("{}: {}", row_name ? row_name(i) : fmt::format("prediction row {}", i), e.what()));
    }
  }
  return out;
}

}  // namespace classflow
