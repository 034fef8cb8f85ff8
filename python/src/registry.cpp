// Registry (plugins) and mapping files.
#include "bindings.hpp"

#include <classflow/class_index.hpp>
#include <classflow/mapping_file.hpp>
#include <classflow/registry.hpp>

#include <pybind11/stl.h>

namespace classflow::python {

void bind_registry(py::module_& m) {
  py::class_<Registry, std::shared_ptr<Registry>>(m, "Registry",
                                                  "Loaded plugins: plugin_dirs first, then CLASSFLOW_PLUGIN_PATH, then "
                                                  "the plugins installed next to the core.")
      .def(py::init([](const std::vector<std::string>& plugin_dirs, bool use_env, bool use_default_dir,
                       const std::vector<std::string>& overrides) {
             py::gil_scoped_release release;  // loading libraries touches the disk
             return std::make_shared<Registry>(RegistryOptions{plugin_dirs, use_env, use_default_dir, overrides});
           }),
           py::arg("plugin_dirs") = std::vector<std::string>{}, py::arg("use_env") = true,
           py::arg("use_default_dir") = true, py::arg("overrides") = std::vector<std::string>{})
      .def_property_readonly("search_path", &Registry::search_path)
      .def("plugins",
           [](const Registry& r) {
             py::list out;
             for (const auto& p : r.plugins()) {
               py::dict d;
               d["kind"] = p.kind;
               d["name"] = p.name;
               d["plugin"] = p.plugin;
               d["version"] = p.version;
               d["abi"] = std::to_string(p.abi_major) + "." + std::to_string(p.abi_minor);
               d["license"] = p.license;
               d["file"] = p.file;
               d["builtin"] = p.builtin;
               d["description"] = p.description;
               d["extensions"] = p.extensions;
               out.append(d);
             }
             return out;
           })
      .def("refused",
           [](const Registry& r) {
             py::list out;
             for (const auto& p : r.refused()) {
               py::dict d;
               d["file"] = p.file;
               d["reason"] = p.reason;
               out.append(d);
             }
             return out;
           })
      .def("overridden",
           [](const Registry& r) {
             py::list out;
             for (const auto& p : r.overridden()) {
               py::dict d;
               d["file"] = p.file;
               d["reason"] = p.reason;
               out.append(d);
             }
             return out;
           })
      .def("warnings", [](const Registry& r) { return fs_list(r.warnings()); })
      .def("encoder_names", &Registry::encoder_names);

  py::class_<MappingFile>(m, "MappingFile", "A class mapping with the class_mode it was made for.")
      .def_property_readonly("class_names", [](const MappingFile& f) { return fs_list(f.class_index.class_names()); })
      .def_readonly("class_mode", &MappingFile::class_mode)
      .def_readonly("positive_class", &MappingFile::positive_class);

  m.def("load_mapping", &load_mapping, py::arg("path"), py::call_guard<py::gil_scoped_release>());
  m.def("mapping_from_json", &mapping_from_json, py::arg("text"), py::arg("origin"));
  m.def(
      "mapping_to_json",
      [](const MappingFile& f, const std::string& format) { return mapping_to_json(f, parse_mapping_format(format)); },
      py::arg("mapping"), py::arg("format") = "classflow");
  m.def(
      "save_mapping",
      [](const std::string& path, const MappingFile& f, const std::string& format) {
        MappingFormat fm = parse_mapping_format(format);
        py::gil_scoped_release release;
        save_mapping(path, f, fm);
      },
      py::arg("path"), py::arg("mapping"), py::arg("format") = "classflow");
  m.def(
      "make_mapping",
      [](std::vector<std::string> class_names, const std::string& class_mode) {
        return MappingFile{ClassIndex(std::move(class_names)), class_mode, std::nullopt, {}};
      },
      py::arg("class_names"), py::arg("class_mode") = "");
}

}  // namespace classflow::python
