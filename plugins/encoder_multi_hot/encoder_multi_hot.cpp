// class_mode 'multi_hot': multi-label rows, float32 [N, K], 1.0 at each class of a sample.
#include <classflow/sdk/plugin.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace {

using namespace classflow::sdk;


/// Multi-label labels, float32 [N, K]: row i holds 1.0 at each class id of sample i and 0.0
/// elsewhere; a sample with no class is an all-zero row (a CSV row with every y_cols cell 0, or
/// an empty delimited cell). Repeated ids set the same 1.0.
/// Options: `threshold` (0 <= t <= 1, default 0.5), used by decode unless the caller gives one.
/// Decode: a row of K independent probabilities (sigmoid outputs); returns every class whose
/// score >= threshold, best first, ties to the lower index. The threshold decides how many:
/// top_k does not cut the list (the host shows as many as it wants), and a row with no score
/// over the threshold decodes to no class at all, the same answer as an all-zero label row.
class MultiHotEncoder : public LabelEncoder {
 public:
  /// @throws InvalidArgument for an unknown option or a threshold outside [0, 1]; DataError
  /// when K < 1.
  explicit MultiHotEncoder(const EncoderContext& ctx) : num_classes_(ctx.num_classes) {
    ctx.options.require_known("class_mode 'multi_hot'", {"threshold"});
    if (num_classes_ < 1)
      throw DataError("class_mode 'multi_hot' needs at least 1 class; found " + std::to_string(num_classes_));
    threshold_ = checked_threshold(ctx.options.get_double("threshold", 0.5), ctx.options.get("threshold"));
  }

  TensorDesc label_desc() const override { return {DType::float32, {num_classes_}}; }

  /// @throws DataError when a class id is outside [0, K).
  void encode(const LabelBatch& batch, void* out) const override {
    auto* rows = static_cast<float*>(out);
    for (int64_t i = 0; i < batch.num_samples; ++i) {
      float* row = rows + i * num_classes_;
      std::fill(row, row + num_classes_, 0.0f);
      for (int64_t j = 0; j < batch.count(i); ++j) {
        const int32_t id = batch.ids(i)[j];
        if (id < 0 || id >= num_classes_)
          throw DataError("class id '" + std::to_string(id) + "' of sample " + std::to_string(i) +
                          " is out of range; expected 0.." + std::to_string(num_classes_ - 1));
        row[id] = 1.0f;
      }
    }
  }

  /// @throws DataError when width != K or a score is not a probability in [0, 1] (NaN, a
  /// logit); InvalidArgument when the threshold is outside [0, 1].
  std::vector<Decoded> decode(const float* row, int64_t width, const DecodeOptions& options) const override {
    require_width(width, num_classes_, "multi_hot");
    const double threshold =
        options.threshold ? checked_threshold(*options.threshold, format_number(*options.threshold)) : threshold_;
    std::vector<Decoded> selected;
    for (int64_t i = 0; i < width; ++i) {
      // A value outside [0, 1] is almost always a logit passed by mistake.
      if (!(row[i] >= 0.0f && row[i] <= 1.0f))
        throw DataError("multi_hot prediction '" + format_number(row[i]) + "' in column " + std::to_string(i) +
                        " is out of range; expected probabilities in [0, 1] (apply a sigmoid to logits)");
      // Compare in float: "0.7" parsed as a float score must meet threshold 0.7 (0.7f < 0.7).
      if (row[i] >= static_cast<float>(threshold)) selected.push_back({static_cast<int32_t>(i), row[i]});
    }
    std::stable_sort(selected.begin(), selected.end(),
                     [](const Decoded& a, const Decoded& b) { return a.score > b.score; });
    return selected;
  }

 private:
  int32_t num_classes_;
  double threshold_ = 0.5;
};

}  // namespace

CLASSFLOW_PLUGIN("classflow_encoder_multi_hot", CLASSFLOW_PLUGIN_VERSION, "MIT",
                 "multi-label label encoder (class_mode=multi_hot)") {
  registrar.add_encoder<MultiHotEncoder>(
      "multi_hot", "float32 [N, K], 1.0 at each class of a sample; K >= 1; decode: score >= threshold (0.5)");
}
