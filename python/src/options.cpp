// Option structs. Choices are strings parsed by the core's own parsers, so a bad value raises
// the same UsageError text the CLI prints.
#include "bindings.hpp"

#include <classflow/dataset.hpp>
#include <classflow/error.hpp>
#include <classflow/label_spec.hpp>
#include <classflow/loader_options.hpp>

#include <pybind11/stl.h>

#include <limits>

namespace classflow::python {

namespace {

const char* name_of(ClassOrder v) { return v == ClassOrder::bytes ? "bytes" : "natural"; }
const char* name_of(Subset v) {
  switch (v) {
    case Subset::training: return "training";
    case Subset::validation: return "validation";
    case Subset::both: return "both";
    case Subset::all: break;
  }
  return "all";
}
const char* name_of(SplitMethod v) { return v == SplitMethod::random ? "random" : "head"; }
using classflow::name_of;

// A string-valued property over an enum field: get -> name, set -> the core's parser.
template <class Class, class Enum, class Parse>
void choice(py::class_<Class>& c, const char* name, Enum Class::*field, Parse parse, const char* doc) {
  c.def_property(
      name, [field](const Class& o) { return std::string(name_of(o.*field)); },
      [field, parse](Class& o, const std::string& v) { o.*field = parse(v); }, doc);
}

// An integer property over a fixed-width field: a Python int outside the C type's range is a
// UsageError naming it (the core checks the meaningful range, with the CLI's text).
template <class Class, class T>
void integer(py::class_<Class>& c, const char* name, T Class::*field) {
  c.def_property(
      name, [field](const Class& o) { return static_cast<int64_t>(o.*field); },
      [field, name](Class& o, const py::object& v) {
        o.*field = static_cast<T>(checked_int(v, name, static_cast<int64_t>(std::numeric_limits<T>::min()),
                                              static_cast<int64_t>(std::numeric_limits<T>::max())));
      });
}

}  // namespace

void bind_options(py::module_& m) {
  py::class_<ScanOptions> scan(m, "ScanOptions", "What a scan reads (classflow::ScanOptions).");
  scan.def(py::init<>())
      .def_readwrite("root", &ScanOptions::root)
      .def_readwrite("source", &ScanOptions::source)
      .def_readwrite("classes", &ScanOptions::classes)
      .def_readwrite("follow_links", &ScanOptions::follow_links)
      .def_readwrite("allow_empty", &ScanOptions::allow_empty)
      .def_readwrite("source_options", &ScanOptions::source_options)
      .def_readwrite("validation_split", &ScanOptions::validation_split);
  integer(scan, "seed", &ScanOptions::seed);
  choice(scan, "class_order", &ScanOptions::class_order, parse_class_order, "bytes | natural");
  choice(scan, "subset", &ScanOptions::subset, parse_subset, "all | training | validation | both");
  choice(scan, "split_method", &ScanOptions::split_method, parse_split_method, "random | head");

  py::class_<LabelOptions>(m, "LabelOptions", "The label policy asked for (classflow::LabelOptions).")
      .def(py::init<>())
      .def_readwrite("class_mode", &LabelOptions::class_mode)
      .def_readwrite("encoder_options", &LabelOptions::encoder_options)
      .def_readwrite("mapping", &LabelOptions::mapping);

  py::class_<LoaderOptions> loader(m, "LoaderOptions", "DataLoader configuration (classflow::LoaderOptions).");
  loader.def(py::init<>())
      .def_property(
          "target_size", [](const LoaderOptions& o) { return py::make_tuple(o.target_size[0], o.target_size[1]); },
          [](LoaderOptions& o, const py::sequence& hw) {
            if (hw.size() != 2) throw UsageError("target_size must be (height, width)");
            for (std::size_t i = 0; i < 2; ++i)
              o.target_size[i] = static_cast<int32_t>(checked_int(hw[i], "target_size", INT32_MIN, INT32_MAX));
          })
      .def_readwrite("keep_aspect_ratio", &LoaderOptions::keep_aspect_ratio)
      .def_readwrite("rescale", &LoaderOptions::rescale)
      .def_readwrite("apply_orientation", &LoaderOptions::apply_orientation)
      .def_readwrite("jpeg_draft", &LoaderOptions::jpeg_draft)
      .def_readwrite("cache", &LoaderOptions::cache)
      .def_readwrite("sampling", &LoaderOptions::sampling)
      .def_readwrite("samples_per_epoch", &LoaderOptions::samples_per_epoch)
      .def_readwrite("shuffle", &LoaderOptions::shuffle)
      .def_readwrite("transforms", &LoaderOptions::transforms)
      .def("add_augmentation", &add_augmentation, py::arg("augment"),
           "Keras ImageDataGenerator names (and samplewise_*, mean, std, crop_scale, crop_ratio).")
      .def_readwrite("drop_last", &LoaderOptions::drop_last)
      .def_property(
          "alpha_background",
          [](const LoaderOptions& o) -> std::optional<std::string> {
            if (!o.alpha_background) return std::nullopt;
            const auto& c = *o.alpha_background;
            return std::to_string(c[0]) + "," + std::to_string(c[1]) + "," + std::to_string(c[2]);
          },
          [](LoaderOptions& o, const std::optional<std::string>& v) {
            o.alpha_background = v ? std::optional(parse_alpha_background(*v)) : std::nullopt;
          },
          "'R,G,B' or None (drop alpha, as Pillow)")
      .def(
          "apply_shard",
          [](LoaderOptions& o, const py::object& num_shards, const py::object& shard_id) {
            auto opt = [](const py::object& v, const char* what) -> std::optional<int32_t> {
              if (v.is_none()) return std::nullopt;
              return static_cast<int32_t>(checked_int(v, what, INT32_MIN, INT32_MAX));
            };
            apply_shard(o, opt(num_shards, "num_shards"), opt(shard_id, "shard_id"));
          },
          py::arg("num_shards"), py::arg("shard_id"),
          "Given values, else RANK/WORLD_SIZE or Open MPI's variables, else one shard.");
  integer(loader, "batch_size", &LoaderOptions::batch_size);
  integer(loader, "seed", &LoaderOptions::seed);
  integer(loader, "num_workers", &LoaderOptions::num_workers);
  integer(loader, "prefetch", &LoaderOptions::prefetch);
  integer(loader, "max_image_pixels", &LoaderOptions::max_image_pixels);
  integer(loader, "shard_id", &LoaderOptions::shard_id);
  integer(loader, "num_shards", &LoaderOptions::num_shards);
  loader.def("check", &check_loader_options, "Every range and the memory of the batches in flight (the core's check).");
  choice(loader, "color_mode", &LoaderOptions::color_mode, parse_color_mode, "rgb | rgba | grayscale");
  choice(loader, "interpolation", &LoaderOptions::interpolation, parse_interpolation,
         "nearest | bilinear | bicubic | area | lanczos");
  choice(loader, "dtype", &LoaderOptions::dtype, parse_image_dtype, "uint8 | float32");
  choice(loader, "data_format", &LoaderOptions::data_format, parse_data_format, "channels_last | channels_first");
  choice(loader, "on_error", &LoaderOptions::on_error, parse_on_error, "raise | skip | warn");
  choice(loader, "shard_remainder", &LoaderOptions::shard_remainder, parse_shard_remainder, "pad | drop");
  m.def("parse_target_size", &parse_target_size, py::arg("text"));
}

}  // namespace classflow::python
