// classflow._native: the pybind11 layer between the core library and the Python package. It
// only translates types; every rule lives in the core (DESIGN.md section 1).
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>
#include <vector>

namespace classflow::python {

namespace py = pybind11;

/// A path or class name from disk as Python str, decoded like os.fsdecode (UTF-8 with
/// surrogateescape): names that are not UTF-8 survive the round trip instead of raising.
py::str fs_str(const std::string& s);
/// fs_str for each name.
py::list fs_list(const std::vector<std::string>& names);
/// A Python int as int64, or UsageError "<what> '<value>' is out of range; expected <lo>..<hi>"
/// (instead of pybind11's "incompatible function arguments"). Refuses bool and float.
int64_t checked_int(const py::handle& value, const char* what, int64_t lo, int64_t hi);

/// classflow.Error, UsageError (also a ValueError), DataError, PluginError, and the translator
/// that raises them for the core's exceptions with the same message text.
void bind_errors(py::module_& m);
/// Registry, plugin listings, mapping files, class indices.
void bind_registry(py::module_& m);
/// ScanOptions, LabelOptions, LoaderOptions (string-valued choices parsed by the core).
void bind_options(py::module_& m);
/// Dataset, LabelSpec, scan_labelled, scan_labelled_split, decode_predictions.
void bind_dataset(py::module_& m);
/// Loader, Stream, and batches whose arrays view the loader's buffers (zero copy).
void bind_loader(py::module_& m);
/// TransformSpec, apply_transform, philox_stream.
void bind_transform(py::module_& m);
/// check_datasets and write_report (classflow.check, classflow.report).
void bind_check(py::module_& m);

}  // namespace classflow::python
