// The core's typed errors as Python exceptions, same message text as the CLI prints.
#include "bindings.hpp"

#include <classflow/error.hpp>

#include <cstdint>
#include <limits>

namespace classflow::python {

namespace {
// Created once per interpreter; module attributes keep them alive.
PyObject* g_error = nullptr;
PyObject* g_usage = nullptr;
PyObject* g_data = nullptr;
PyObject* g_plugin = nullptr;

PyObject* new_exception(const char* name, PyObject* bases, const char* doc) {
  PyObject* e = PyErr_NewExceptionWithDoc(name, doc, bases, nullptr);
  if (e == nullptr) throw py::error_already_set();
  return e;
}
}  // namespace

void bind_errors(py::module_& m) {
  g_error = new_exception("classflow.Error", PyExc_Exception,
                          "Base of every classflow error; the message names the value, the problem and the fix.");
  // UsageError is also a ValueError: what Keras raises for a bad class_mode or subset.
  py::tuple usage_bases = py::make_tuple(py::handle(g_error), py::handle(PyExc_ValueError));
  g_usage = new_exception("classflow.UsageError", usage_bases.ptr(),
                          "A bad argument value (the CLI's exit code 2), e.g. an unknown class_mode.");
  g_data = new_exception("classflow.DataError", g_error,
                         "Data that cannot be used as asked (exit code 3): no classes, binary with 3 classes, a "
                         "corrupt image under on_error='raise', a mapping that does not match.");
  g_plugin = new_exception("classflow.PluginError", g_error,
                           "A plugin missing, refused or failing (exit code 4); the message names it.");
  m.add_object("Error", py::handle(g_error));
  m.add_object("UsageError", py::handle(g_usage));
  m.add_object("DataError", py::handle(g_data));
  m.add_object("PluginError", py::handle(g_plugin));
  py::register_exception_translator([](std::exception_ptr p) {
    // Messages quote paths from disk, which need not be UTF-8: decode like os.fsdecode.
    auto raise = [](PyObject* type, const char* what) { PyErr_SetObject(type, fs_str(what).ptr()); };
    try {
      if (p) std::rethrow_exception(p);
    } catch (const UsageError& e) {
      raise(g_usage, e.what());
    } catch (const DataError& e) {
      raise(g_data, e.what());
    } catch (const PluginError& e) {
      raise(g_plugin, e.what());
    } catch (const Error& e) {
      raise(g_error, e.what());
    }
  });
}

py::str fs_str(const std::string& s) {
  PyObject* o = PyUnicode_DecodeFSDefaultAndSize(s.data(), static_cast<Py_ssize_t>(s.size()));
  if (o == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(o);
}

py::list fs_list(const std::vector<std::string>& names) {
  py::list out;
  for (const auto& n : names) out.append(fs_str(n));
  return out;
}

int64_t checked_int(const py::handle& value, const char* what, int64_t lo, int64_t hi) {
  if (PyBool_Check(value.ptr()) || !PyLong_Check(value.ptr()))
    throw py::type_error(std::string(what) + " must be an int, not " + Py_TYPE(value.ptr())->tp_name);
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
  if (overflow != 0 || v < lo || v > hi) {
    // A type's own minimum is no advice ("-2147483648..2147483647" for a prefetch of 2**40): the
    // core's check of the value says the real lower bound.
    const bool type_min = lo == std::numeric_limits<int32_t>::min() || lo == std::numeric_limits<int64_t>::min();
    throw UsageError(std::string(what) + " '" + py::str(value).cast<std::string>() + "' is out of range; expected " +
                     (type_min ? "at most " + std::to_string(hi) : std::to_string(lo) + ".." + std::to_string(hi)));
  }
  return v;
}

}  // namespace classflow::python
