// classflow SDK: adapters from the C++ interfaces to the C vtables, and the CLASSFLOW_PLUGIN
// block that defines a plugin's single entry point (C++17, header-only).
//
//   CLASSFLOW_PLUGIN("my_encoders", "1.0.0", "MIT", "ordinal label encoder") {
//     registrar.add_encoder<OrdinalEncoder>("ordinal", "float32 [N, K-1]; cumulative targets");
//   }
#pragma once

#include <classflow/sdk/abi.h>
#include <classflow/sdk/dataset_source.hpp>
#include <classflow/sdk/error.hpp>
#include <classflow/sdk/image_decoder.hpp>
#include <classflow/sdk/label_encoder.hpp>
#include <classflow/sdk/transform.hpp>
#include <classflow/sdk/types.hpp>

#include <cmath>
#include <cstddef>
#include <cstring>
#include <string>

namespace classflow::sdk {
inline namespace v1 {
namespace detail {

inline void to_c(const TensorDesc& d, cf_tensor_desc* out) {
  if (d.shape.size() > CF_MAX_NDIM)
    throw InvalidArgument("label rank '" + std::to_string(d.shape.size()) +
                          "' is too large; expected at most " + std::to_string(CF_MAX_NDIM));
  out->dtype = static_cast<int32_t>(d.dtype);
  out->ndim = static_cast<int32_t>(d.shape.size());
  for (std::size_t i = 0; i < d.shape.size(); ++i) out->shape[i] = d.shape[i];
}

inline void to_c(const ImageInfo& i, cf_image_info* out) {
  out->width = i.width;
  out->height = i.height;
  out->out_width = i.out_width;
  out->out_height = i.out_height;
  out->out_channels = i.out_channels;
  out->out_dtype = static_cast<int32_t>(i.out_dtype);
  out->orientation = i.orientation;
  // ABI 1.2 fields: only when the host's struct has them (a 1.1 host passes a shorter struct).
  if (out->struct_size >= offsetof(cf_image_info, source_bits) + sizeof(out->source_bits)) {
    out->source_color = i.source_color;
    out->source_alpha = i.source_alpha ? 1 : 0;
    out->source_bits = i.source_bits;
  }
}

inline ImageInfo from_c(const cf_image_info* c) {
  ImageInfo i;
  i.width = c->width;
  i.height = c->height;
  i.out_width = c->out_width;
  i.out_height = c->out_height;
  i.out_channels = c->out_channels;
  i.out_dtype = static_cast<DType>(c->out_dtype);
  i.orientation = c->orientation;
  if (c->struct_size >= offsetof(cf_image_info, source_bits) + sizeof(c->source_bits)) {
    i.source_color = c->source_color;
    i.source_alpha = c->source_alpha != 0;
    i.source_bits = c->source_bits;
  }
  return i;
}

inline DecodeRequest from_c(const cf_decode_request* r) {
  DecodeRequest q;
  q.min_width = r->min_width;
  q.min_height = r->min_height;
  q.apply_orientation = r->apply_orientation != 0;
  q.keep_16bit = r->keep_16bit != 0;
  return q;
}

/// C entry points for an encoder type T; an instance pointer is a heap-allocated T.
template <class T>
struct EncoderAdapter {
  static int32_t create(const cf_encoder_config* c, void** out, cf_status* st) {
    return guard(st, [&] {
      EncoderContext ctx;
      ctx.num_classes = c->num_classes;
      for (int32_t i = 0; i < c->num_classes; ++i) ctx.class_names.emplace_back(c->class_names[i]);
      ctx.options = Options(c->options, c->num_options);
      *out = static_cast<LabelEncoder*>(new T(ctx));
    });
  }
  static void destroy(void* inst) { delete static_cast<LabelEncoder*>(inst); }
  static int32_t label_desc(void* inst, cf_tensor_desc* out, cf_status* st) {
    return guard(st, [&] { to_c(static_cast<LabelEncoder*>(inst)->label_desc(), out); });
  }
  static int32_t encode(void* inst, const cf_label_batch* b, void* out, size_t out_bytes,
                        cf_status* st) {
    return guard(st, [&] {
      auto* e = static_cast<LabelEncoder*>(inst);
      std::size_t need = static_cast<std::size_t>(b->num_samples) * e->label_desc().num_bytes();
      if (out_bytes < need)
        throw InvalidArgument("label buffer of '" + std::to_string(out_bytes) +
                              "' bytes is too small; expected " + std::to_string(need));
      LabelBatch batch{b->num_samples, b->class_ids, b->offsets, b->values, b->values_per_sample};
      e->encode(batch, out);
    });
  }
  static int32_t decode(void* inst, const float* row, int64_t width, const cf_decode_options* o,
                        cf_decoded_class* out, int32_t capacity, int32_t* count, cf_status* st) {
    return guard(st, [&] {
      DecodeOptions opts;
      opts.top_k = o->top_k;
      if (o->has_threshold) opts.threshold = o->threshold;
      auto result = static_cast<LabelEncoder*>(inst)->decode(row, width, opts);
      int32_t n = 0;
      for (const auto& d : result) {
        if (n >= capacity) break;
        out[n++] = cf_decoded_class{d.class_id, d.score};
      }
      *count = n;
    });
  }
  static cf_encoder_vtable& vtable() {
    static cf_encoder_vtable v{};
    return v;
  }
};

/// C entry points for a decoder type T; one static instance serves every call.
template <class T>
struct DecoderAdapter {
  static const T& instance() {
    static const T t{};
    return t;
  }
  static int32_t sniff(const uint8_t* data, size_t size) {
    try {
      return instance().sniff(data, size) ? 1 : 0;
    } catch (...) {
      return 0;
    }
  }
  static int32_t plan(const uint8_t* data, size_t size, const cf_decode_request* r,
                      cf_image_info* out, cf_status* st) {
    return guard(st, [&] { to_c(instance().plan(data, size, from_c(r)), out); });
  }
  static int32_t decode(const uint8_t* data, size_t size, const cf_decode_request* r,
                        const cf_image_info* info, void* out, size_t out_bytes, cf_status* st) {
    return guard(st, [&] {
      ImageInfo i = from_c(info);
      if (out_bytes < i.out_bytes())
        throw InvalidArgument("image buffer of '" + std::to_string(out_bytes) +
                              "' bytes is too small; expected " + std::to_string(i.out_bytes()));
      instance().decode(data, size, from_c(r), i, out);
    });
  }
  static cf_decoder_vtable& vtable() {
    static cf_decoder_vtable v{};
    return v;
  }
};

/// C entry points for a source type T; one static instance serves every call.
template <class T>
struct SourceAdapter {
  static const T& instance() {
    static const T t{};
    return t;
  }
  static int32_t probe(const char* root) {
    try {
      return instance().probe(root);
    } catch (...) {
      return 0;
    }
  }
  static int32_t scan(const cf_scan_request* r, const cf_scan_sink* sink, cf_status* st) {
    return guard(st, [&] {
      ScanRequest req;
      req.root = r->root;
      for (std::size_t i = 0; i < r->num_extensions; ++i) req.extensions.emplace_back(r->extensions[i]);
      for (std::size_t i = 0; i < r->num_classes; ++i) req.classes.emplace_back(r->classes[i]);
      req.options = Options(r->options, r->num_options);
      instance().scan(req, ScanSink(sink));
    });
  }
  static cf_source_vtable& vtable() {
    static cf_source_vtable v{};
    return v;
  }
};

inline ImageView from_c(const cf_image_view* c) {
  ImageView v;
  v.width = c->width;
  v.height = c->height;
  v.channels = c->channels;
  v.dtype = static_cast<DType>(c->dtype);
  v.row_bytes = c->row_bytes;
  v.data = c->data;
  return v;
}

/// C entry points for a transform type T; an instance pointer is a heap-allocated T.
template <class T>
struct TransformAdapter {
  static int32_t create(const cf_transform_config* c, void** out, cf_status* st) {
    return guard(st, [&] {
      TransformContext ctx;
      ctx.options = Options(c->options, c->num_options);
      ctx.target_height = c->target_height;
      ctx.target_width = c->target_width;
      *out = static_cast<Transform*>(new T(ctx));
    });
  }
  static void destroy(void* inst) { delete static_cast<Transform*>(inst); }
  static int32_t apply(void* inst, const cf_image_view* in, cf_image_view* out, size_t capacity,
                       const cf_random* random, cf_status* st) {
    return guard(st, [&] {
      ImageView o = from_c(out);
      Random r(random);
      static_cast<Transform*>(inst)->apply(from_c(in), o, capacity, r);
      out->width = o.width;
      out->height = o.height;
      out->row_bytes = o.row_bytes;
    });
  }
  static cf_transform_vtable& vtable() {
    static cf_transform_vtable v{};
    return v;
  }
};

}  // namespace detail

/// Handed to the CLASSFLOW_PLUGIN block; each add_* registers one kind with the host.
/// `name` and `description` must be string literals (they must outlive the call).
/// @throws Error with the host's reason when the host refuses a registration (e.g. duplicate).
class Registrar {
 public:
  explicit Registrar(const cf_host* host) : host_(host) {}

  /// Registers encoder type T (derived from LabelEncoder) as class_mode `name`.
  template <class T>
  void add_encoder(const char* name, const char* description) {
    using A = detail::EncoderAdapter<T>;
    cf_encoder_vtable& v = A::vtable();
    v.struct_size = sizeof(cf_encoder_vtable);
    v.name = name;
    v.description = description;
    v.create = &A::create;
    v.destroy = &A::destroy;
    v.label_desc = &A::label_desc;
    v.encode = &A::encode;
    v.decode = &A::decode;
    check(host_->add_encoder(host_->context, &v, &status_));
  }

  /// Registers decoder type T (derived from ImageDecoder, with static `extensions`).
  template <class T>
  void add_decoder(const char* name, const char* description) {
    using A = detail::DecoderAdapter<T>;
    cf_decoder_vtable& v = A::vtable();
    v.struct_size = sizeof(cf_decoder_vtable);
    v.name = name;
    v.description = description;
    v.extensions = T::extensions;
    v.sniff = &A::sniff;
    v.plan = &A::plan;
    v.decode = &A::decode;
    check(host_->add_decoder(host_->context, &v, &status_));
  }

  /// Registers source type T (derived from DatasetSource); `flags` are CF_SOURCE_* bits.
  template <class T>
  void add_source(const char* name, const char* description, uint32_t flags = 0) {
    using A = detail::SourceAdapter<T>;
    cf_source_vtable& v = A::vtable();
    v.struct_size = sizeof(cf_source_vtable);
    v.name = name;
    v.description = description;
    v.flags = flags;
    v.probe = &A::probe;
    v.scan = &A::scan;
    check(host_->add_source(host_->context, &v, &status_));
  }

  /// Registers transform type T (derived from Transform) as `name`, run at `stage` (ABI 1.1).
  /// @throws Error when the host is older than ABI 1.1 (it has no transforms).
  template <class T>
  void add_transform(const char* name, const char* description, Stage stage) {
    if (host_->struct_size < offsetof(cf_host, add_transform) + sizeof(void*) || host_->add_transform == nullptr)
      throw Error(CF_ERROR_UNSUPPORTED, std::string("transform '") + name +
                                            "' needs a classflow host with ABI 1.1 or newer; expected an updated "
                                            "classflow");
    using A = detail::TransformAdapter<T>;
    cf_transform_vtable& v = A::vtable();
    v.struct_size = sizeof(cf_transform_vtable);
    v.name = name;
    v.description = description;
    v.stage = static_cast<int32_t>(stage);
    v.create = &A::create;
    v.destroy = &A::destroy;
    v.apply = &A::apply;
    check(host_->add_transform(host_->context, &v, &status_));
  }

 private:
  void check(int32_t rc) {
    if (rc != CF_OK) throw Error(static_cast<cf_status_code>(rc), status_.message);
  }
  const cf_host* host_;
  cf_status status_{sizeof(cf_status), 0, {0}};
};

namespace detail {
template <void (*F)(Registrar&)>
int32_t register_thunk(const cf_host* host, cf_status* st) {
  return guard(st, [&] {
    Registrar r(host);
    F(r);
  });
}
}  // namespace detail

}  // namespace v1
}  // namespace classflow::sdk

/// Defines the plugin's entry point and opens the body of its registration function, in which
/// `registrar` (a classflow::sdk::Registrar&) registers each kind. Use once per library.
/// NAME, VERSION, LICENSE (SPDX) and DESCRIPTION are string literals.
#define CLASSFLOW_PLUGIN(NAME, VERSION, LICENSE, DESCRIPTION)                                  \
  static void classflow_plugin_register_(::classflow::sdk::Registrar& registrar);             \
  extern "C" CF_PLUGIN_EXPORT const cf_plugin_descriptor* classflow_plugin_entry_v1(void) {  \
    static const cf_plugin_descriptor descriptor = {                                         \
        sizeof(cf_plugin_descriptor), CF_ABI_VERSION_MAJOR, CF_ABI_VERSION_MINOR, NAME,       \
        VERSION, LICENSE, DESCRIPTION,                                                       \
        &::classflow::sdk::detail::register_thunk<&classflow_plugin_register_>};             \
    return &descriptor;                                                                      \
  }                                                                                          \
  static void classflow_plugin_register_([[maybe_unused]] ::classflow::sdk::Registrar& registrar)
