// LabelEncoder: a plugin's encoder instance behind the C vtable, errors naming the plugin.
#include <classflow/error.hpp>
#include <classflow/label_encoder.hpp>

#include "plugins/plugin_call.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace classflow {

using detail::PluginCall;
using detail::sized;

LabelEncoder::LabelEncoder(const cf_encoder_vtable* vtable, void* instance, std::shared_ptr<void> library,
                           std::string plugin_file, int32_t num_classes)
    : vtable_(vtable), instance_(instance), library_(std::move(library)),
      plugin_file_(std::move(plugin_file)), num_classes_(num_classes) {
  auto d = sized<cf_tensor_desc>();
  PluginCall call(ref(), "label_desc");
  try {
    call.check(vtable_->label_desc(instance_, &d, call.status()));
    if (d.ndim < 0 || d.ndim > CF_MAX_NDIM)
      call.violation(fmt::format("reported label rank {}; expected 0..{}", d.ndim, CF_MAX_NDIM));
    for (int32_t i = 0; i < d.ndim; ++i)
      if (d.shape[i] < 1 || d.shape[i] > (int64_t{1} << 31))
        call.violation(fmt::format("reported label dimension {} of size {}; expected 1..2^31", i, d.shape[i]));
    switch (d.dtype) {
      case CF_DTYPE_UINT8: case CF_DTYPE_UINT16: case CF_DTYPE_INT32: case CF_DTYPE_INT64: case CF_DTYPE_FLOAT32: break;
      default: call.violation(fmt::format("reported label dtype {}; expected a cf_dtype (1..5)", d.dtype));
    }
  } catch (...) {
    vtable_->destroy(instance_);
    throw;
  }
  desc_.dtype = static_cast<sdk::DType>(d.dtype);
  desc_.shape.assign(d.shape, d.shape + d.ndim);
}

detail::PluginRef LabelEncoder::ref() const { return {"encoder", vtable_->name, plugin_file_}; }

LabelEncoder::~LabelEncoder() {
  // Destroy with the library still loaded: library_ is released after this body.
  vtable_->destroy(instance_);
}

void LabelEncoder::encode(const int32_t* class_ids, const int64_t* offsets, int64_t num_samples, void* out,
                          std::size_t out_bytes, const float* values, int64_t values_per_sample) const {
  auto b = sized<cf_label_batch>();
  b.num_samples = num_samples;
  b.class_ids = class_ids;
  b.offsets = offsets;
  b.values = values;
  b.values_per_sample = values ? values_per_sample : 0;
  PluginCall call(ref(), "encode");
  call.check(vtable_->encode(instance_, &b, out, out_bytes, call.status()), detail::describe(ref()));
}

std::vector<unsigned char> LabelEncoder::encode(const std::vector<int32_t>& class_ids) const {
  std::vector<int64_t> offsets(class_ids.size() + 1);
  for (std::size_t i = 0; i <= class_ids.size(); ++i) offsets[i] = static_cast<int64_t>(i);
  std::vector<unsigned char> out(class_ids.size() * desc_.num_bytes());
  encode(class_ids.data(), offsets.data(), static_cast<int64_t>(class_ids.size()), out.data(), out.size());
  return out;
}

std::string LabelEncoder::label_text(int32_t class_id) const {
  const auto bytes = encode(std::vector<int32_t>{class_id});
  int64_t count = 1;
  for (int64_t d : desc_.shape) count *= d;
  auto at = [&](int64_t k) -> double {
    const unsigned char* p = bytes.data() + k * static_cast<int64_t>(sdk::dtype_size(desc_.dtype));
    auto load = [p](auto zero) {
      decltype(zero) v;
      std::memcpy(&v, p, sizeof v);
      return static_cast<double>(v);
    };
    switch (desc_.dtype) {
      case sdk::DType::float32: return load(float{});
      case sdk::DType::int32: return load(int32_t{});
      case sdk::DType::int64: return load(int64_t{});
      case sdk::DType::uint8: return load(uint8_t{});
      case sdk::DType::uint16: return load(uint16_t{});
    }
    return 0;
  };
  if (desc_.shape.empty()) return fmt::format("{:g}", at(0));
  std::string s = "[";
  for (int64_t k = 0; k < count; ++k) s += fmt::format("{}{:g}", k ? "," : "", at(k));
  return s + "]";
}

std::vector<sdk::Decoded> LabelEncoder::decode(const float* row, int64_t width,
                                               const sdk::DecodeOptions& options) const {
  auto o = sized<cf_decode_options>();
  o.top_k = options.top_k < 1 ? 1 : options.top_k;
  o.has_threshold = options.threshold.has_value() ? 1 : 0;
  o.threshold = options.threshold.value_or(0.0);
  // Room for every class: an encoder may return all classes over a threshold (multi-label).
  int32_t capacity = std::max<int32_t>({o.top_k, num_classes_, 1});
  std::vector<cf_decoded_class> buf(static_cast<std::size_t>(capacity));
  int32_t count = 0;
  PluginCall call(ref(), "decode");
  call.check(vtable_->decode(instance_, row, width, &o, buf.data(), capacity, &count, call.status()),
             detail::describe(ref()));
  if (count < 0 || count > capacity)
    call.violation(fmt::format("decoded {} classes into room for {}; expected 0..{}", count, capacity, capacity));
  std::vector<sdk::Decoded> result;
  for (int32_t i = 0; i < count && i < capacity; ++i) {
    if (buf[static_cast<std::size_t>(i)].class_id < 0 || buf[static_cast<std::size_t>(i)].class_id >= num_classes_)
      call.violation(fmt::format("decoded class id {}; expected 0..{}", buf[static_cast<std::size_t>(i)].class_id,
                                 num_classes_ - 1));
    result.push_back({buf[static_cast<std::size_t>(i)].class_id, buf[static_cast<std::size_t>(i)].score});
  }
  return result;
}

}  // namespace classflow
