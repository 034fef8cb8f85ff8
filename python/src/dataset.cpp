// Dataset, label spec, scans and prediction decoding.
#include "bindings.hpp"

#include <classflow/dataset.hpp>
#include <classflow/error.hpp>
#include <classflow/label_spec.hpp>
#include <classflow/predictions.hpp>
#include <classflow/registry.hpp>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

namespace classflow::python {

void bind_dataset(py::module_& m) {
  py::class_<Dataset, std::shared_ptr<Dataset>>(m, "Dataset", "A scan's result: mapping and samples in canonical order.")
      .def_property_readonly("root", [](const Dataset& d) { return fs_str(d.root); })
      .def_property_readonly("base_directory", [](const Dataset& d) { return fs_str(d.base_directory); })
      .def_readonly("source", &Dataset::source)
      .def_readonly("labelled", &Dataset::labelled)
      .def_property_readonly("warnings", [](const Dataset& d) { return fs_list(d.warnings); })
      .def_readonly("filtered", &Dataset::filtered)
      .def_readonly("total_before_split", &Dataset::total_before_split)
      .def_property_readonly("class_names", [](const Dataset& d) { return fs_list(d.class_index.class_names()); })
      .def_property_readonly("num_samples", &Dataset::num_samples)
      .def("filenames", [](const Dataset& d) { return fs_list(d.filenames()); })
      .def("classes",
           [](const Dataset& d) {
             auto c = d.classes();
             return py::array_t<int32_t>(static_cast<py::ssize_t>(c.size()), c.data());
           })
      .def("class_counts", &Dataset::class_counts)
      .def("class_weight", &Dataset::class_weight)
      .def("found_message", &Dataset::found_message)
      .def("skipped", [](const Dataset& d) {
        py::list out;
        for (const auto& s : d.skipped)
          out.append(py::make_tuple(fs_str(s.path), skip_reason_name(s.reason), fs_str(s.detail)));
        return out;
      });

  py::class_<LabelSpec>(m, "LabelSpec", "The resolved label policy (class_mode, encoder, positive_class).")
      .def_property_readonly("class_mode", &LabelSpec::class_mode)
      .def_property_readonly("has_labels", &LabelSpec::has_labels)
      .def_property_readonly("labels_are_images", &LabelSpec::labels_are_images)
      .def_property_readonly("has_class_index", &LabelSpec::has_class_index)
      .def_property_readonly("multi_label", &LabelSpec::multi_label)
      .def_property_readonly("positive_class",
                             [](const LabelSpec& s) -> py::object {
                               auto p = s.positive_class();
                               return p ? py::object(fs_str(*p)) : py::object(py::none());
                             })
      .def_property_readonly("class_names", [](const LabelSpec& s) { return fs_list(s.class_index().class_names()); })
      .def_property_readonly("encoder_options", &LabelSpec::encoder_options)
      .def_property_readonly("label_summary", &LabelSpec::label_summary)
      .def_property_readonly("label_dtype",
                             [](const LabelSpec& s) -> std::optional<std::string> {
                               if (!s.encoder()) return std::nullopt;
                               return std::string(sdk::dtype_name(s.encoder()->label_desc().dtype));
                             })
      .def_property_readonly("label_shape",
                             [](const LabelSpec& s) -> std::optional<std::vector<int64_t>> {
                               if (!s.encoder()) return std::nullopt;
                               return s.encoder()->label_desc().shape;
                             })
      .def("mapping", &LabelSpec::mapping)
      .def(
          "decode",
          [](const LabelSpec& s, py::array_t<float, py::array::c_style | py::array::forcecast> rows, int top_k,
             std::optional<double> threshold) {
            if (!s.encoder())
              throw UsageError("class_mode '" + s.class_mode() +
                               "' has no encoder to decode predictions with; expected a class_mode such as "
                               "categorical, binary, sparse");
            // [N] or [N, K], shaped by the core's rule (prediction_rows_shape), as the CLI shapes .npy files.
            const auto [n, w] = prediction_rows_shape(std::vector<int64_t>(rows.shape(), rows.shape() + rows.ndim()), s);
            sdk::DecodeOptions o;
            o.top_k = top_k;
            o.threshold = threshold;
            const float* data = rows.data();
            std::vector<std::vector<sdk::Decoded>> decoded;
            {
              py::gil_scoped_release release;
              decoded = decode_predictions(*s.encoder(), data, n, w, o);
            }
            py::list out;
            for (const auto& row : decoded) {
              py::list r;
              for (const auto& d : row) r.append(py::make_tuple(d.class_id, d.score));
              out.append(r);
            }
            return out;
          },
          py::arg("rows"), py::arg("top_k") = 1, py::arg("threshold") = std::nullopt,
          "float32 predictions [N, width], or [N] (N binary scores for class_mode binary, else one row: "
          "prediction_rows_shape) -> per row, [(class_id, score), ...] best first. Raises UsageError for "
          "another rank, DataError for a row that does not fit.");

  py::class_<LabelledSplit>(m, "LabelledSplit");
  m.def(
      "scan_labelled",
      [](std::shared_ptr<Registry> registry, const ScanOptions& scan, const LabelOptions& labels) {
        LabelledDataset r = [&] {
          py::gil_scoped_release release;  // walking a large tree
          return scan_labelled(*registry, scan, labels);
        }();
        return py::make_tuple(std::make_shared<Dataset>(std::move(r.dataset)), std::move(r.labels));
      },
      py::arg("registry"), py::arg("scan"), py::arg("labels"));
  m.def(
      "scan_labelled_split",
      [](std::shared_ptr<Registry> registry, const ScanOptions& scan, const LabelOptions& labels) {
        LabelledSplit r = [&] {
          py::gil_scoped_release release;
          return scan_labelled_split(*registry, scan, labels);
        }();
        return py::make_tuple(std::make_shared<Dataset>(std::move(r.training)),
                              std::make_shared<Dataset>(std::move(r.validation)), std::move(r.labels));
      },
      py::arg("registry"), py::arg("scan"), py::arg("labels"));
  m.def(
      "label_spec",
      [](std::shared_ptr<Registry> registry, const LabelOptions& labels, std::vector<std::string> class_names) {
        return LabelSpec::resolve(*registry, labels).bind(*registry, ClassIndex(std::move(class_names)));
      },
      py::arg("registry"), py::arg("labels"), py::arg("class_names"));
}

}  // namespace classflow::python
