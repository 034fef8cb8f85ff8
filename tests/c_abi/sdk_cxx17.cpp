// Compiled as C++17: the whole SDK, including a complete plugin, must build for C++17 authors.
#include <classflow/sdk/plugin.hpp>

namespace {
class Cxx17Encoder : public classflow::sdk::LabelEncoder {
 public:
  explicit Cxx17Encoder(const classflow::sdk::EncoderContext& ctx) : k_(ctx.num_classes) {}
  classflow::sdk::TensorDesc label_desc() const override { return {classflow::sdk::DType::int32, {}}; }
  void encode(const classflow::sdk::LabelBatch& b, void* out) const override {
    classflow::sdk::require_single_label(b, k_, "cxx17");
    for (int64_t i = 0; i < b.num_samples; ++i) static_cast<int32_t*>(out)[i] = b.ids(i)[0];
  }
  std::vector<classflow::sdk::Decoded> decode(const float* row, int64_t width,
                                              const classflow::sdk::DecodeOptions& o) const override {
    return classflow::sdk::top_k_scores(row, width, o.top_k);
  }

 private:
  int32_t k_;
};
}  // namespace

CLASSFLOW_PLUGIN("cxx17_check", "0.0.0", "MIT", "compile check") {
  registrar.add_encoder<Cxx17Encoder>("cxx17", "int32 []");
}
