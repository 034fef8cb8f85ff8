// class_mode 'binary': one float32 per sample, 1.0 for class index 1, for exactly 2 classes.
#include <classflow/sdk/plugin.hpp>

#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

namespace {

using namespace classflow::sdk;


/// Binary labels, float32 [N]: 1.0 for class index 1 (the positive class), 0.0 for index 0.
/// Options: `threshold` (0 <= t <= 1, default 0.5), used by decode unless the caller gives one.
/// Decode: a row of width 1 holds the probability s of class index 1 (a sigmoid output);
/// s >= threshold gives index 1 with score s, else index 0 with score 1 - s. With top_k >= 2
/// the other class follows with its score (the thresholded decision always comes first).
class BinaryEncoder : public LabelEncoder {
 public:
  /// @throws InvalidArgument for an unknown option or a threshold outside [0, 1]; DataError
  /// unless there are exactly 2 classes (naming how many were found and which).
  explicit BinaryEncoder(const EncoderContext& ctx) {
    ctx.options.require_known("class_mode 'binary'", {"threshold"});
    if (ctx.num_classes != 2) {
      // Name the classes so the user sees which folder is extra; a long list stays readable.
      constexpr std::size_t kShown = 20;
      std::string found;
      for (std::size_t i = 0; i < ctx.class_names.size() && i < kShown; ++i)
        found += (i == 0 ? ": " : ", ") + ctx.class_names[i];
      if (ctx.class_names.size() > kShown)
        found += ", ... (" + std::to_string(ctx.class_names.size() - kShown) + " more)";
      throw DataError("class_mode 'binary' needs exactly 2 classes; found " + std::to_string(ctx.num_classes) + found +
                      "; expected 2: choose two with classes=[...] (--classes A,B), or class_mode 'categorical'");
    }
    threshold_ = checked_threshold(ctx.options.get_double("threshold", 0.5),
                                   ctx.options.get("threshold"));
  }

  TensorDesc label_desc() const override { return {DType::float32, {}}; }

  void encode(const LabelBatch& batch, void* out) const override {
    require_single_label(batch, 2, "binary");
    auto* labels = static_cast<float*>(out);
    for (int64_t i = 0; i < batch.num_samples; ++i) labels[i] = batch.ids(i)[0] == 1 ? 1.0f : 0.0f;
  }

  std::vector<Decoded> decode(const float* row, int64_t width,
                              const DecodeOptions& options) const override {
    require_width(width, 1, "binary");
    if (options.top_k < 1)
      throw InvalidArgument("top_k '" + std::to_string(options.top_k) +
                            "' is out of range; expected at least 1");
    const double threshold = options.threshold
                                 ? checked_threshold(*options.threshold, format_number(*options.threshold))
                                 : threshold_;
    const float s = row[0];
    // A value outside [0, 1] is almost always a logit passed by mistake; 1 - s would mislead.
    if (!(s >= 0.0f && s <= 1.0f))
      throw DataError("binary prediction '" + format_number(s) +
                      "' is out of range; expected the probability of class index 1 in "
                      "[0, 1] (apply a sigmoid to logits)");
    std::vector<Decoded> result;
    // Compare in float: "0.7" parsed as a float score must meet threshold 0.7 (0.7f < 0.7).
    if (s >= static_cast<float>(threshold))
      result = {{1, s}, {0, 1.0f - s}};
    else
      result = {{0, 1.0f - s}, {1, s}};
    if (options.top_k < 2) result.resize(1);
    return result;
  }

 private:
  double threshold_ = 0.5;
};

}  // namespace

CLASSFLOW_PLUGIN("classflow_encoder_binary", CLASSFLOW_PLUGIN_VERSION, "MIT",
                 "binary label encoder (class_mode=binary)") {
  registrar.add_encoder<BinaryEncoder>(
      "binary", "float32 [N], 1.0 for class index 1; exactly 2 classes; option threshold");
}
