// ImageTransform: a plugin's transform instance behind the C vtable, errors naming the plugin.
#include <classflow/error.hpp>
#include <classflow/image_transform.hpp>

#include "plugins/plugin_call.hpp"
#include "random/philox_stream.hpp"

#include <fmt/format.h>

namespace classflow {

ImageTransform::ImageTransform(const cf_transform_vtable* vtable, void* instance, std::shared_ptr<void> library,
                               std::string plugin_file)
    : vtable_(vtable), instance_(instance), library_(std::move(library)), plugin_file_(std::move(plugin_file)) {}

ImageTransform::~ImageTransform() { vtable_->destroy(instance_); }

detail::PluginRef ImageTransform::ref() const { return {"transform", vtable_->name, plugin_file_}; }

void ImageTransform::apply(const cf_image_view& in, cf_image_view& out, std::size_t capacity,
                           const cf_random& random) const {
  detail::PluginCall call(ref(), "apply");
  call.check(vtable_->apply(instance_, &in, &out, capacity, &random, call.status()), detail::describe(ref()));
  if (out.width < 1 || out.height < 1 || out.channels != in.channels || out.dtype != in.dtype)
    call.violation(fmt::format("returned an image of {}x{}x{} dtype {} from {}x{}x{} dtype {}; expected a non-empty "
                               "image of the same channels and dtype",
                               out.width, out.height, out.channels, out.dtype, in.width, in.height, in.channels,
                               in.dtype));
  const auto elem = in.dtype == CF_DTYPE_FLOAT32 ? 4 : 1;
  if (out.row_bytes < static_cast<int64_t>(out.width) * out.channels * elem ||
      static_cast<std::size_t>(out.row_bytes) * static_cast<std::size_t>(out.height) > capacity)
    call.violation(fmt::format("returned {} rows of {} bytes, which do not fit its {}-byte buffer", out.height,
                               out.row_bytes, capacity));
  if (vtable_->stage == CF_TRANSFORM_AFTER_RESIZE && (out.width != in.width || out.height != in.height))
    call.violation(fmt::format("changed the size from {}x{} to {}x{} after the resize; expected the target size",
                               in.width, in.height, out.width, out.height));
}

void ImageTransform::apply(const cf_image_view& in, cf_image_view& out, std::size_t capacity, uint64_t seed,
                           uint64_t epoch, uint64_t sample, uint64_t position) const {
  detail::PhiloxStream stream(seed, epoch, sample, position);
  const cf_random random = stream.as_c();
  apply(in, out, capacity, random);
}

}  // namespace classflow
