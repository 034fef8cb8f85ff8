// `ordinal`: ordinal-regression targets (CORAL, Cao et al. 2020). Class c of K ordered classes
// becomes K-1 answers to "is the class above j?": [1]*c + [0]*(K-1-c).
#include <classflow/sdk/plugin.hpp>

#include <algorithm>

using namespace classflow::sdk;

/// float32 [N, K-1]; needs K >= 2, no options. Decode: class = number of scores >= threshold
/// (default 0.5), score = mean of those scores (for class 0: 1 - the largest score).
class OrdinalEncoder : public LabelEncoder {
 public:
  explicit OrdinalEncoder(const EncoderContext& ctx) : k_(ctx.num_classes) {
    ctx.options.require_known("class_mode 'ordinal'", {});
    if (k_ < 2)
      throw DataError("class_mode 'ordinal' needs at least 2 classes; found " + std::to_string(k_));
  }
  TensorDesc label_desc() const override { return {DType::float32, {k_ - 1}}; }
  void encode(const LabelBatch& batch, void* out) const override {
    require_single_label(batch, k_, "ordinal");
    auto* rows = static_cast<float*>(out);
    for (int64_t i = 0; i < batch.num_samples; ++i)
      for (int32_t j = 0; j < k_ - 1; ++j) rows[i * (k_ - 1) + j] = j < batch.ids(i)[0] ? 1.0f : 0.0f;
  }
  std::vector<Decoded> decode(const float* row, int64_t width, const DecodeOptions& o) const override {
    require_width(width, k_ - 1, "ordinal");
    const float threshold = static_cast<float>(o.threshold.value_or(0.5));
    int32_t passed = 0;
    float sum = 0.0f, top = 0.0f;
    for (int64_t j = 0; j < width; ++j) {
      top = std::max(top, row[j]);
      if (row[j] >= threshold) {
        ++passed;
        sum += row[j];
      }
    }
    return {{passed, passed > 0 ? sum / static_cast<float>(passed) : 1.0f - top}};
  }

 private:
  int32_t k_;
};

CLASSFLOW_PLUGIN("classflow_encoder_ordinal", "1.0.0", "MIT", "ordinal-regression labels (example)") {
  registrar.add_encoder<OrdinalEncoder>("ordinal", "float32 [N, K-1] cumulative targets (CORAL); K >= 2");
}
