// class_mode 'categorical': one-hot float32 rows [N, K], with optional label smoothing.
#include <classflow/sdk/plugin.hpp>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace {

using namespace classflow::sdk;

/// One-hot labels, float32 [N, K]; with `label_smoothing` = e each row is
/// (1 - e) * onehot + e / K, computed in float32 as Keras CategoricalCrossentropy does.
/// Options: `label_smoothing` (0 <= e < 1, default 0).
/// Decode: the top_k classes by score, best first, ties to the lower index (top_k=1 is argmax);
/// a decode threshold is ignored (scores of one softmax compete with each other).
class CategoricalEncoder : public LabelEncoder {
 public:
  /// @throws InvalidArgument when K < 1, for an unknown option, or when label_smoothing is
  /// not a number in [0, 1).
  explicit CategoricalEncoder(const EncoderContext& ctx) : num_classes_(ctx.num_classes) {
    ctx.options.require_known("class_mode 'categorical'", {"label_smoothing"});
    require_min_classes(num_classes_, 1, "categorical");
    double eps = ctx.options.get_double("label_smoothing", 0.0);
    if (!(eps >= 0.0 && eps < 1.0))
      throw InvalidArgument("option 'label_smoothing' value '" + ctx.options.get("label_smoothing") +
                            "' is out of range; expected 0 <= label_smoothing < 1");
    // float32 arithmetic in Keras' order, so the bytes equal what Keras feeds its loss.
    const float e = static_cast<float>(eps);
    off_ = e / static_cast<float>(num_classes_);
    on_ = 1.0f * (1.0f - e) + off_;
  }

  TensorDesc label_desc() const override { return {DType::float32, {num_classes_}}; }

  void encode(const LabelBatch& batch, void* out) const override {
    require_single_label(batch, num_classes_, "categorical");
    auto* rows = static_cast<float*>(out);
    for (int64_t i = 0; i < batch.num_samples; ++i) {
      float* row = rows + i * num_classes_;
      // memset for the usual 0 (a scalar store loop was most of a scan of 100,000 classes, whose
      // label check encodes K rows of K floats).
      if (off_ == 0.0f) std::memset(row, 0, sizeof(float) * static_cast<std::size_t>(num_classes_));
      else std::fill_n(row, num_classes_, off_);
      row[batch.ids(i)[0]] = on_;
    }
  }

  std::vector<Decoded> decode(const float* row, int64_t width, const DecodeOptions& options) const override {
    require_width(width, num_classes_, "categorical");
    return decode_top_k(row, width, options);
  }

 private:
  int32_t num_classes_;
  float on_ = 1.0f;   // value at the true class
  float off_ = 0.0f;  // value everywhere else
};

}  // namespace

CLASSFLOW_PLUGIN("classflow_encoder_categorical", CLASSFLOW_PLUGIN_VERSION, "MIT",
                 "one-hot label encoder (class_mode=categorical)") {
  registrar.add_encoder<CategoricalEncoder>("categorical",
                                            "float32 [N, K] one-hot; option label_smoothing (0 <= e < 1); K >= 1");
}
