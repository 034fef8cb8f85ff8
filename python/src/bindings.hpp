// classflow._native: the pybind11 layer between the core library and the Python package. It
// only translates types; every rule lives in the core (DESIGN.md section 1).
#pragma once

#include <pybind11/pybind11.h>

namespace classflow::python {

namespace py = pybind11;

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

}  // namespace classflow::python
