#include "bindings.hpp"

#include <classflow/sdk/abi.h>

PYBIND11_MODULE(_native, m) {
  m.doc() = "classflow native core (libclassflow_core through pybind11); use the `classflow` package.";
  m.attr("abi_version") = pybind11::make_tuple(CF_ABI_VERSION_MAJOR, CF_ABI_VERSION_MINOR);
  classflow::python::bind_errors(m);
  classflow::python::bind_registry(m);
  classflow::python::bind_options(m);
  classflow::python::bind_dataset(m);
  classflow::python::bind_loader(m);
  classflow::python::bind_transform(m);
  classflow::python::bind_check(m);
}
