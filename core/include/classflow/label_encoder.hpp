// classflow core: a loaded label-encoder instance (from any plugin), with errors that name it.
#pragma once

#include <classflow/export.hpp>
#include <classflow/sdk/abi.h>
#include <classflow/sdk/label_encoder.hpp>
#include <classflow/sdk/types.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace classflow {

namespace detail {
struct PluginRef;
}

/// One encoder instance made for a class index. Keeps its plugin library loaded while it lives.
/// Thread-safe for concurrent encode/decode calls (encoders are immutable after creation).
class CLASSFLOW_CORE_API LabelEncoder {
 public:
  /// Built by Registry::make_encoder; `library` keeps the plugin loaded.
  LabelEncoder(const cf_encoder_vtable* vtable, void* instance, std::shared_ptr<void> library,
               std::string plugin_file, int32_t num_classes);
  ~LabelEncoder();
  LabelEncoder(const LabelEncoder&) = delete;
  LabelEncoder& operator=(const LabelEncoder&) = delete;

  /// The class_mode name, e.g. "binary".
  std::string name() const { return vtable_->name; }
  /// The library that provides it.
  const std::string& plugin_file() const noexcept { return plugin_file_; }
  /// Number of classes K it was made for.
  int32_t num_classes() const noexcept { return num_classes_; }
  /// Per-sample label shape and dtype (e.g. float32 [K]); cached at creation.
  const sdk::TensorDesc& label_desc() const noexcept { return desc_; }

  /// Encodes N samples; sample i has class ids class_ids[offsets[i]..offsets[i+1]).
  /// `out` must hold N * label_desc().num_bytes() bytes; `values` ([N, M] float32) is optional.
  /// @throws DataError when the plugin reports bad data (e.g. raw values missing), PluginError
  /// when it fails otherwise; every message starts "encoder '<name>' (plugin '<file>')".
  void encode(const int32_t* class_ids, const int64_t* offsets, int64_t num_samples, void* out,
              std::size_t out_bytes, const float* values = nullptr,
              int64_t values_per_sample = 0) const;
  /// Convenience: single-label ids [N] -> bytes of [N, label shape].
  std::vector<unsigned char> encode(const std::vector<int32_t>& class_ids) const;
  /// The label of one sample of class `class_id` as text: "[0,1,0]" for a vector label, "1" for a
  /// scalar one (numbers as %g) — what the legend of `preview` and the report's mapping show.
  /// @throws as encode.
  std::string label_text(int32_t class_id) const;

  /// Decodes one prediction row of `width` scores into classes, best first (see the encoder's
  /// documentation: argmax/top-k, or score >= threshold for binary and multi-label).
  /// @throws DataError when the row does not fit (wrong width, value out of range); UsageError for
  /// bad options (e.g. top_k); PluginError when the plugin fails otherwise or returns a class id
  /// outside [0, K); every message starts "encoder '<name>' (plugin '<file>')".
  std::vector<sdk::Decoded> decode(const float* row, int64_t width,
                                   const sdk::DecodeOptions& options) const;

 private:
  detail::PluginRef ref() const;  // names this encoder in errors
  const cf_encoder_vtable* vtable_;
  void* instance_;
  std::shared_ptr<void> library_;
  std::string plugin_file_;
  int32_t num_classes_;
  sdk::TensorDesc desc_;
};

}  // namespace classflow
