// classflow.check / classflow.report: the core's check_datasets and write_report.
#include "bindings.hpp"

#include <classflow/dataset_check.hpp>
#include <classflow/dataset_report.hpp>
#include <classflow/error.hpp>
#include <classflow/registry.hpp>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <memory>

namespace classflow::python {

namespace {

CheckOptions check_options(bool decode, std::optional<std::array<int32_t, 2>> target_size, bool near_duplicates,
                           int32_t near_threshold, int32_t num_workers, int64_t max_image_pixels) {
  CheckOptions o;
  o.decode = decode;
  o.target_size = target_size;
  o.near_duplicates = near_duplicates;
  o.near_threshold = near_threshold;
  o.num_workers = num_workers;
  o.max_image_pixels = max_image_pixels;
  check_check_options(o);
  return o;
}

std::vector<Dataset> copies(const std::vector<std::shared_ptr<Dataset>>& datasets) {
  std::vector<Dataset> out;
  for (const auto& d : datasets) out.push_back(*d);
  return out;
}

}  // namespace

void bind_check(py::module_& m) {
  m.def(
      "perceptual_hash",
      [](py::array_t<uint8_t, py::array::c_style | py::array::forcecast> image) {
        if (image.ndim() != 2 && image.ndim() != 3) throw UsageError("image must be [H, W] or [H, W, C] uint8");
        const int32_t c = image.ndim() == 3 ? static_cast<int32_t>(image.shape(2)) : 1;
        if (c != 1 && c != 3 && c != 4) throw UsageError("image must have 1, 3 or 4 channels");
        if (image.shape(0) < 1 || image.shape(1) < 1) throw UsageError("image must not be empty");
        return perceptual_hash(image.data(), static_cast<int32_t>(image.shape(0)), static_cast<int32_t>(image.shape(1)),
                               c, static_cast<std::size_t>(image.strides(0)));
      },
      py::arg("image"),
      "64-bit pHash of a uint8 [H, W] or [H, W, C] image, as imagehash.phash (bit 63 = DCT (0, 0)).");
  m.def(
      "check_check_options",
      [](bool decode, std::optional<std::array<int32_t, 2>> target_size, bool near_duplicates, int32_t near_threshold,
         int32_t num_workers, int64_t max_image_pixels) {
        (void)check_options(decode, target_size, near_duplicates, near_threshold, num_workers, max_image_pixels);
      },
      py::arg("decode"), py::arg("target_size"), py::arg("near_duplicates"), py::arg("near_threshold"),
      py::arg("num_workers"), py::arg("max_image_pixels"),
      "check_check_options before a scan: raises UsageError as check_datasets would, having read nothing.");
  m.def(
      "check_datasets",
      [](std::shared_ptr<Registry> registry, const std::vector<std::shared_ptr<Dataset>>& datasets, bool decode,
         std::optional<std::array<int32_t, 2>> target_size, bool near_duplicates, int32_t near_threshold,
         int32_t num_workers, int64_t max_image_pixels) {
        const CheckOptions o =
            check_options(decode, target_size, near_duplicates, near_threshold, num_workers, max_image_pixels);
        py::gil_scoped_release release;  // reads every file
        const auto ds = copies(datasets);
        return check_result_json(check_datasets(*registry, ds, o), ds);
      },
      py::arg("registry"), py::arg("datasets"), py::arg("decode"), py::arg("target_size"), py::arg("near_duplicates"),
      py::arg("near_threshold"), py::arg("num_workers"), py::arg("max_image_pixels"),
      "check_datasets over the datasets; the JSON text of `classflow check --format json`.");
  m.def(
      "write_report",
      [](std::shared_ptr<Registry> registry, const std::vector<std::shared_ptr<Dataset>>& datasets,
         const std::vector<LabelSpec>& specs, const std::string& output, bool decode,
         std::optional<std::array<int32_t, 2>> target_size, bool near_duplicates, int32_t near_threshold,
         int32_t num_workers, int64_t max_image_pixels, int32_t thumbnails, const std::string& title) {
        if (specs.size() != datasets.size()) throw UsageError("write_report needs one label spec per dataset");
        const CheckOptions o =
            check_options(decode, target_size, near_duplicates, near_threshold, num_workers, max_image_pixels);
        ReportOptions ro;
        ro.thumbnails = thumbnails;
        ro.title = title;
        py::gil_scoped_release release;
        std::vector<LabelledDataset> sets;
        for (std::size_t i = 0; i < datasets.size(); ++i) sets.push_back({*datasets[i], specs[i]});
        const auto ds = copies(datasets);
        const CheckResult check = check_datasets(*registry, ds, o);
        write_report(*registry, sets, check, output, ro);
        return check_result_json(check, ds);
      },
      py::arg("registry"), py::arg("datasets"), py::arg("specs"), py::arg("output"), py::arg("decode"),
      py::arg("target_size"), py::arg("near_duplicates"), py::arg("near_threshold"), py::arg("num_workers"),
      py::arg("max_image_pixels"), py::arg("thumbnails"), py::arg("title"),
      "check_datasets, then write_report to `output`; returns the check's JSON text.");
}

}  // namespace classflow::python
