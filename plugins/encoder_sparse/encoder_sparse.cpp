// class_mode 'sparse': the class index itself, int32 [N] (or int64 [N] with dtype=int64).
#include <classflow/sdk/plugin.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace {

using namespace classflow::sdk;

/// Integer labels, int32 [N] holding each sample's class index (Keras `sparse`).
/// Options: `dtype` (int32 | int64, default int32; int64 is what PyTorch's losses take).
/// Decode: a row of K scores; the top_k classes by score, best first, ties to the lower index.
class SparseEncoder : public LabelEncoder {
 public:
  /// @throws InvalidArgument when K < 1, for an unknown option, or an unknown dtype.
  explicit SparseEncoder(const EncoderContext& ctx) : num_classes_(ctx.num_classes) {
    ctx.options.require_known("class_mode 'sparse'", {"dtype"});
    require_min_classes(num_classes_, 1, "sparse");
    const std::string dtype = ctx.options.get("dtype", "int32");
    if (dtype == "int64")
      dtype_ = DType::int64;
    else if (dtype != "int32")
      throw InvalidArgument("option 'dtype' value '" + dtype + "' is unknown; expected one of: int32, int64");
  }

  TensorDesc label_desc() const override { return {dtype_, {}}; }

  void encode(const LabelBatch& batch, void* out) const override {
    require_single_label(batch, num_classes_, "sparse");
    for (int64_t i = 0; i < batch.num_samples; ++i) {
      if (dtype_ == DType::int64)
        static_cast<int64_t*>(out)[i] = batch.ids(i)[0];
      else
        static_cast<int32_t*>(out)[i] = batch.ids(i)[0];
    }
  }

  std::vector<Decoded> decode(const float* row, int64_t width, const DecodeOptions& options) const override {
    require_width(width, num_classes_, "sparse");
    return decode_top_k(row, width, options);
  }

 private:
  int32_t num_classes_;
  DType dtype_ = DType::int32;
};

}  // namespace

CLASSFLOW_PLUGIN("classflow_encoder_sparse", CLASSFLOW_PLUGIN_VERSION, "MIT",
                 "integer label encoder (class_mode=sparse)") {
  registrar.add_encoder<SparseEncoder>("sparse", "int32 [N] class index (option dtype=int64 for int64); K >= 1");
}
