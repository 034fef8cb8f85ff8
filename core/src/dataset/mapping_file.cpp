// class_indices.json: writing and the tolerant reader (classflow, Keras, torchvision, Keras 3).
#include <classflow/atomic_file.hpp>
#include <classflow/error.hpp>
#include <classflow/mapping_file.hpp>

#include "io/json_text.hpp"
#include "io/whole_file.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace classflow {

using nlohmann::json;
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
  // The options the labels were made with: a later run with this mapping encodes the same way.
  ordered_json options = ordered_json::object();
  for (const auto& [k, v] : m.encoder_options) options[k] = v;
  j["encoder_options"] = options;
  return j.dump(2) + "\n";
}

namespace {

// {"name": index} as Keras class_indices and torchvision class_to_idx write it.
ClassIndex from_index_dict(const json& dict, const std::string& origin) {
  std::vector<std::string> names(dict.size());
  std::vector<bool> seen(dict.size(), false);
  for (const auto& [name, value] : dict.items()) {
    if (!value.is_number_integer())
      throw DataError(fmt::format("mapping file '{}': index of class '{}' is {}; expected an integer",
                                  origin, name, value.dump()));
    // Unsigned above INT64_MAX (2**63) would wrap to a negative number in the message.
    const bool huge = value.is_number_unsigned() && value.get<unsigned long long>() > 0x7fffffffffffffffULL;
    auto i = huge ? -1LL : value.get<long long>();
    if (i < 0 || i >= static_cast<long long>(dict.size()))
      throw DataError(
          fmt::format("mapping file '{}': index {} of class '{}' is out of range; expected "
                      "indices 0..{} each used once",
                      origin, value.dump(), name, static_cast<long long>(dict.size()) - 1));
    if (seen[static_cast<std::size_t>(i)])
      throw DataError(fmt::format("mapping file '{}': index {} is used by '{}' and '{}'; expected each "
                                  "index once",
                                  origin, i, names[static_cast<std::size_t>(i)], name));
    seen[static_cast<std::size_t>(i)] = true;
    names[static_cast<std::size_t>(i)] = name;
  }
  return ClassIndex(std::move(names));
}

ClassIndex from_name_list(const json& list, const std::string& origin) {
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

namespace {

// Nesting deeper than any mapping file needs is refused while parsing: a hostile file cannot
// exhaust the stack.
constexpr int kMaxDepth = 16;

json parse_bounded(const std::string& text, const std::string& origin) {
  try {
    return detail::parse_json_text<json>(text, kMaxDepth);
  } catch (const detail::JsonTextError& e) {
    throw DataError(fmt::format("mapping file '{}' {}; expected a class_indices.json written by classflow, a Keras "
                                "class_indices dict or a class_names list",
                                origin, e.what()));
  }
}

// A classflow file says so (format), or carries class_indices / class_names of the right
// types; a plain dict maps every key to an integer, whatever the key ("format" is a fine class).
bool is_classflow_object(const json& j) {
  if (j.contains("format") && j["format"].is_string()) return true;
  if (j.contains("class_indices") && j["class_indices"].is_object()) return true;
  if (j.contains("class_names") && j["class_names"].is_array()) return true;
  return false;
}

void check_fields(const json& j, MappingFile& m, const std::string& origin) {
  auto bad = [&](const std::string& field, const std::string& problem) {
    return DataError(fmt::format("mapping file '{}': {} {}", origin, field, problem));
  };
  const auto k = m.class_index.size();
  if (j.contains("num_classes") && !j["num_classes"].is_null()) {
    if (!j["num_classes"].is_number_integer() || j["num_classes"].get<long long>() != k)
      throw bad("num_classes", fmt::format("is {} but {} class names are listed; expected the two to agree (the "
                                           "file was edited or damaged)",
                                           j["num_classes"].dump(), k));
  }
  if (j.contains("class_mode") && !j["class_mode"].is_null()) {
    if (!j["class_mode"].is_string()) throw bad("class_mode", "is " + j["class_mode"].dump() + "; expected a string");
    m.class_mode = j["class_mode"].get<std::string>();
  }
  if (j.contains("positive_class") && !j["positive_class"].is_null()) {
    if (!j["positive_class"].is_string())
      throw bad("positive_class", "is " + j["positive_class"].dump() + "; expected a class name");
    auto p = j["positive_class"].get<std::string>();
    if (m.class_mode != "binary" || k != 2 || m.class_index.name_of(1) != p)
      throw bad("positive_class",
                fmt::format("'{}' contradicts class_mode '{}' and classes {}; expected the name of index 1 with "
                            "class_mode 'binary' and 2 classes",
                            p, m.class_mode, json(m.class_index.class_names()).dump()));
    m.positive_class = p;
  } else if (m.class_mode == "binary" && k == 2) {
    m.positive_class = m.class_index.name_of(1);
  }
  if (j.contains("encoder_options") && !j["encoder_options"].is_null()) {
    const auto& o = j["encoder_options"];
    if (!o.is_object()) throw bad("encoder_options", "is " + o.dump() + "; expected an object of key: value");
    for (const auto& [key, value] : o.items()) {
      if (value.is_string()) m.encoder_options.emplace_back(key, value.get<std::string>());
      else if (value.is_number() || value.is_boolean()) m.encoder_options.emplace_back(key, value.dump());
      else throw bad("encoder_options", fmt::format("'{}' is {}; expected a string or a number", key, value.dump()));
    }
  }
}

}  // namespace

MappingFile mapping_from_json(const std::string& text, const std::string& origin) {
  const json j = parse_bounded(text, origin);
  try {
    MappingFile m;
    if (j.is_array()) {  // Keras 3 class_names
      m.class_index = from_name_list(j, origin);
      return m;
    }
    if (!j.is_object())
      throw DataError(fmt::format("mapping file '{}' holds {}; expected an object or a list of class names",
                                  origin, j.type_name()));
    if (!is_classflow_object(j)) {
      m.class_index = from_index_dict(j, origin);  // plain Keras / torchvision dict
      return m;
    }
    if (j.contains("format")) {
      auto f = j["format"].is_string() ? j["format"].get<std::string>() : std::string();
      if (f != kMappingFormat)
        throw DataError(fmt::format("mapping file '{}' has format '{}'; expected '{}'", origin,
                                    j["format"].dump(), kMappingFormat));
    }
    if (j.contains("class_indices")) {
      if (!j["class_indices"].is_object())
        throw DataError(fmt::format("mapping file '{}': class_indices is {}; expected an object",
                                    origin, j["class_indices"].type_name()));
      m.class_index = from_index_dict(j["class_indices"], origin);
      if (j.contains("class_names")) {
        if (!j["class_names"].is_array())
          throw DataError(fmt::format("mapping file '{}': class_names is {}; expected a list", origin,
                                      j["class_names"].type_name()));
        ClassIndex by_list = from_name_list(j["class_names"], origin);
        if (!(by_list == m.class_index))
          throw DataError(fmt::format("mapping file '{}': class_names and class_indices disagree; "
                                      "expected the same order in both",
                                      origin));
      }
    } else {
      if (!j.contains("class_names") || !j["class_names"].is_array())
        throw DataError(fmt::format("mapping file '{}' has no class_names list or class_indices object; expected "
                                    "one of them",
                                    origin));
      m.class_index = from_name_list(j["class_names"], origin);
    }
    check_fields(j, m, origin);
    return m;
  } catch (const DataError& e) {
    // ClassIndex's own errors (duplicates) do not know the file; add it once.
    std::string what = e.what();
    if (what.find(origin) == std::string::npos) throw DataError(fmt::format("mapping file '{}': {}", origin, what));
    throw;
  }
}

void save_mapping(const std::string& path, const MappingFile& m, MappingFormat format) {
  // Whole or not at all: a full disk never replaces a good mapping with a 0-byte file.
  write_file_atomically(path, mapping_to_json(m, format), "mapping file");
}

MappingFile load_mapping(const std::string& path) {
  // 100,000 classes take a few MB: far more is not a mapping (and would take minutes to read).
  constexpr std::uint64_t kMaxBytes = std::uint64_t{256} << 20;
  const detail::WholeFile f = detail::read_whole_file(path, kMaxBytes);
  if (f.status != detail::WholeFileStatus::ok)
    throw DataError(fmt::format("mapping file '{}' {}; expected a class_indices.json saved with --save-class-indices "
                                "or save_class_indices()",
                                path, detail::why_not_read(f, kMaxBytes)));
  return mapping_from_json(f.bytes, path);
}

}  // namespace classflow
