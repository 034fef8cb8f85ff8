// class_mode 'raw': numeric targets read from the source (CSV columns), float32 [N, M], as is.
#include <classflow/sdk/plugin.hpp>

#include <cstring>
#include <string>
#include <vector>

namespace {

using namespace classflow::sdk;

/// Raw targets, float32 [N, M]: the M numbers the source reported for each sample (add_values;
/// the csv source with raw=1, or its 0/1 y_cols), copied unchanged. No class index is applied;
/// the classes the encoder is created with are ignored (there are usually none).
/// Options: `width` (required, M >= 1): values per sample. The label shape must be known before
/// any data is seen (label_desc is read at creation), so the host passes M: the core adds
/// width=<values per sample of the dataset> when class_mode is raw and the user gave none.
/// Decode: refused; raw predictions are values, not classes.
class RawEncoder : public LabelEncoder {
 public:
  /// @throws InvalidArgument for an unknown option, or a `width` that is missing, not an
  /// integer or below 1.
  explicit RawEncoder(const EncoderContext& ctx) {
    ctx.options.require_known("class_mode 'raw'", {"width"});
    if (!ctx.options.has("width"))
      throw InvalidArgument(
          "class_mode 'raw' needs option 'width' (numeric values per sample); expected e.g. "
          "width=3 for three value columns");
    const long long width = ctx.options.get_int("width", 0);
    if (width < 1 || width > (1 << 24))
      throw InvalidArgument("option 'width' value '" + ctx.options.get("width") +
                            "' is out of range; expected 1 <= width <= 16777216");
    width_ = width;
  }

  TensorDesc label_desc() const override { return {DType::float32, {width_}}; }

  /// @throws DataError when the batch carries no values, or not `width` per sample.
  void encode(const LabelBatch& batch, void* out) const override {
    if (batch.num_samples == 0) return;
    if (batch.values == nullptr)
      throw DataError("class_mode 'raw' got samples without numeric values; expected " + std::to_string(width_) +
                      " values per sample from the source (csv with raw=1 and y_cols, or 0/1 y_cols)");
    if (batch.values_per_sample != width_)
      throw DataError("class_mode 'raw' got '" + std::to_string(batch.values_per_sample) +
                      "' values per sample; expected " + std::to_string(width_) + " (option width)");
    std::memcpy(out, batch.values, static_cast<std::size_t>(batch.num_samples * width_) * sizeof(float));
  }

  /// @throws InvalidArgument always: raw labels have no class index to decode into.
  std::vector<Decoded> decode(const float*, int64_t, const DecodeOptions&) const override {
    throw InvalidArgument(
        "class_mode 'raw' has no classes to decode; expected a class_mode with a class index (categorical, "
        "binary, sparse, multi_hot): raw predictions are the values themselves");
  }

 private:
  int64_t width_ = 0;
};

}  // namespace

CLASSFLOW_PLUGIN("classflow_encoder_raw", CLASSFLOW_PLUGIN_VERSION, "MIT", "raw numeric targets (class_mode=raw)") {
  registrar.add_encoder<RawEncoder>("raw",
                                    "float32 [N, M] numeric values from the source, no class mapping; option width=M");
}
