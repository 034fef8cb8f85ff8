// A minimal valid encoder the broken-plugin fixtures register, so a test can tell whether the
// host called a plugin it should have refused (its name then shows up among the encoders).
#pragma once

#include <classflow/sdk/plugin.hpp>

#include <vector>

namespace classflow::fixtures {

/// int32 [N] class index, like `sparse`; decode is plain top-k.
class FixtureEncoder : public sdk::LabelEncoder {
 public:
  explicit FixtureEncoder(const sdk::EncoderContext& ctx) : num_classes_(ctx.num_classes) {}
  sdk::TensorDesc label_desc() const override { return {sdk::DType::int32, {}}; }
  void encode(const sdk::LabelBatch& batch, void* out) const override {
    sdk::require_single_label(batch, num_classes_, "fixture");
    for (int64_t i = 0; i < batch.num_samples; ++i) static_cast<int32_t*>(out)[i] = batch.ids(i)[0];
  }
  std::vector<sdk::Decoded> decode(const float* row, int64_t width,
                                   const sdk::DecodeOptions& options) const override {
    sdk::require_width(width, num_classes_, "fixture");
    return sdk::top_k_scores(row, width, options.top_k);
  }

 private:
  int32_t num_classes_;
};

/// Registers a FixtureEncoder named `wrongabi`; used by hand-written descriptors.
inline void register_wrongabi(sdk::Registrar& registrar) {
  registrar.add_encoder<FixtureEncoder>("wrongabi", "fixture: must never be registered");
}

/// Registers a FixtureEncoder named `minornewer`; used by hand-written descriptors.
inline void register_minornewer(sdk::Registrar& registrar) {
  registrar.add_encoder<FixtureEncoder>("minornewer", "fixture: must never be registered");
}

}  // namespace classflow::fixtures
