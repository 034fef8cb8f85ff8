// class_indices.json: writing and the tolerant reader (classflow, Keras, torchvision, Keras 3).
#include <classflow/error.hpp>
#include <classflow/mapping_file.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace classflow {

using nlohmann::ordered_json;

MappingFormat parse_mapping_format(const std::string& text) {
  if (text == "classflow") return MappingFormat::classflow;
  if (text == "keras") return MappingFormat::keras;
  throw UsageError(fmt::format("unknown mapping format '{}'; expected one of: classflow, keras", text));
}

std::string mapping_to_json(const MappingFile& m, MappingFormat format) {
  for (const auto& name : m.class_index.class_names())
    try {
      (void)ordered_json(name).dump();
    } catch (const nlohmann::json::type_error&) {
      throw DataError(fmt::format("class name '{}' is not valid UTF-8 and cannot be saved in a mapping file; expected "
                                  "UTF-8 folder names (rename the folder)",
                                  name));
    }
  ordered_json indices = ordered_json::object();
  const auto& names = m.class_index.class_names();
  auto& object = indices.get_ref<ordered_json::object_t&>();  // append: names are unique
  for (std::size_t i = 0; i < names.size(); ++i) object.emplace_back(names[i], static_cast<int>(i));
  if (format == MappingFormat::keras) return indices.dump(2) + "\n";
  ordered_json j;
  j["format"] = kMappingFormat;
  j["class_names"] = names;
  j["class_indices"] = indices;
  j["num_classes"] = names.size();
  j["class_mode"] = m.class_mode.empty() ? ordered_json(nullptr) : ordered_json(m.class_mode);
  j["positive_class"] = m.positive_class ? ordered_json(*m.positive_class) : ordered_json(nullptr);
  return j.dump(2) + "\n";
}

namespace {

// {"name": index} as Keras class_indices and torchvision class_to_idx write it.
ClassIndex from_index_dict(const ordered_json& dict, const std::string& origin) {
  std::vector<std::string> names(dict.size());
  std::vector<bool> seen(dict.size(), false);
  for (const auto& [name, value] : dict.items()) {
    if (!value.is_number_integer())
      throw DataError(fmt::format("mapping file '{}': index of class '{}' is {}; expected an integer",
                                  origin, name, value.dump()));
    auto i = value.get<long long>();
    if (i < 0 || i >= static_cast<long long>(dict.size()))
      throw DataError(fmt::format("mapping file '{}': index {} of class '{}' is out of range; expected "
                                  "indices 0..{} each used once",
                                  origin, i, name, static_cast<long long>(dict.size()) - 1));
    if (seen[static_cast<std::size_t>(i)])
      throw DataError(fmt::format("mapping file '{}': index {} is used by '{}' and '{}'; expected each "
                                  "index once",
                                  origin, i, names[static_cast<std::size_t>(i)], name));
    seen[static_cast<std::size_t>(i)] = true;
    names[static_cast<std::size_t>(i)] = name;
  }
  return ClassIndex(std::move(names));
}

ClassIndex from_name_list(const ordered_json& list, const std::string& origin) {
  std::vector<std::string> names;
  for (const auto& v : list) {
    if (!v.is_string())
      throw DataError(fmt::format("mapping file '{}': class name {} is not a string; expected a list "
                                  "of class names",
                                  origin, v.dump()));
    names.push_back(v.get<std::string>());
  }
  return ClassIndex(std::move(names));
}

}  // namespace

MappingFile mapping_from_json(const std::string& text, const std::string& origin) {
  ordered_json j;
  try {
    j = ordered_json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw DataError(fmt::format("mapping file '{}' is not valid JSON ({}); expected a class_indices.json "
                                "written by classflow, a Keras class_indices dict or a class_names list",
                                origin, e.what()));
  }
  try {
    MappingFile m;
    if (j.is_array()) {  // Keras 3 class_names
      m.class_index = from_name_list(j, origin);
      return m;
    }
    if (!j.is_object())
      throw DataError(fmt::format("mapping file '{}' holds {}; expected an object or a list of class names",
                                  origin, j.type_name()));
    if (!j.contains("format") && !j.contains("class_indices") && !j.contains("class_names")) {
      m.class_index = from_index_dict(j, origin);  // plain Keras / torchvision dict
      return m;
    }
    if (j.contains("format")) {
      auto f = j["format"].is_string() ? j["format"].get<std::string>() : std::string();
      if (f.rfind("classflow.class_indices/", 0) != 0 || f != kMappingFormat)
        throw DataError(fmt::format("mapping file '{}' has format '{}'; expected '{}'", origin,
                                    j["format"].dump(), kMappingFormat));
    }
    if (j.contains("class_indices")) {
      if (!j["class_indices"].is_object())
        throw DataError(fmt::format("mapping file '{}': class_indices is {}; expected an object",
                                    origin, j["class_indices"].type_name()));
      m.class_index = from_index_dict(j["class_indices"], origin);
      if (j.contains("class_names")) {
        ClassIndex by_list = from_name_list(j["class_names"], origin);
        if (!(by_list == m.class_index))
          throw DataError(fmt::format("mapping file '{}': class_names and class_indices disagree; "
                                      "expected the same order in both",
                                      origin));
      }
    } else {
      m.class_index = from_name_list(j["class_names"], origin);
    }
    if (j.contains("class_mode") && j["class_mode"].is_string())
      m.class_mode = j["class_mode"].get<std::string>();
    if (j.contains("positive_class") && j["positive_class"].is_string())
      m.positive_class = j["positive_class"].get<std::string>();
    return m;
  } catch (const DataError& e) {
    // ClassIndex's own errors (duplicates) do not know the file; add it once.
    std::string what = e.what();
    if (what.find(origin) == std::string::npos) throw DataError(fmt::format("mapping file '{}': {}", origin, what));
    throw;
  }
}

void save_mapping(const std::string& path, const MappingFile& m, MappingFormat format) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path tmp = target;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << mapping_to_json(m, format);
    if (!out)
      throw DataError(fmt::format("mapping file '{}' cannot be written; expected a writable path", path));
  }
  std::error_code ec;
  fs::rename(tmp, target, ec);  // atomic on POSIX: readers see the old or the new file, never half
  if (ec)
    throw DataError(fmt::format("mapping file '{}' cannot be written ({}); expected a writable path", path,
                                ec.message()));
}

MappingFile load_mapping(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw DataError(fmt::format("mapping file '{}' cannot be read; expected a class_indices.json saved "
                                "with --save-class-indices",
                                path));
  std::stringstream ss;
  ss << in.rdbuf();
  return mapping_from_json(ss.str(), path);
}

}  // namespace classflow
