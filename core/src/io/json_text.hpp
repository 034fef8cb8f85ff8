// JSON a user gave (a mapping, weights, a state file), parsed with limits and worded errors.
// Private to the core.
#pragma once

#include <nlohmann/json.hpp>

#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace classflow::detail {

/// Why JSON text was refused, worded to fit "<what> '<path>' {}; expected ...": "is not valid
/// JSON (line 1, column 5: syntax error while parsing value - invalid literal)", "nests deeper
/// than 16 levels", "has the key 'cat' twice", "holds a NUL byte at byte 7, which JSON text never
/// has". Never quotes the text around the error (nlohmann's
/// "last read" is dropped): errors do not print a file's contents.
class JsonTextError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// nlohmann's message without its exception id and without the text it last read.
std::string json_error_text(const nlohmann::json::exception& e);

/// `text` parsed as Json (nlohmann::json or ordered_json), refusing nesting deeper than
/// `max_depth` (a hostile file cannot exhaust the stack) and a key twice in one object (the last
/// one would silently win). @throws JsonTextError.
template <class Json>
Json parse_json_text(std::string_view text, int max_depth) {
  std::vector<std::set<std::string>> keys;  // per depth: the keys of the object open there
  auto guard = [&](int depth, nlohmann::json::parse_event_t event, Json& parsed) {
    if (depth > max_depth) throw JsonTextError("nests deeper than " + std::to_string(max_depth) + " levels");
    const auto at = static_cast<std::size_t>(depth);
    if (event == nlohmann::json::parse_event_t::object_start) {
      if (keys.size() < at + 2) keys.resize(at + 2);
      keys[at + 1].clear();
    } else if (event == nlohmann::json::parse_event_t::key && at < keys.size()) {
      const auto& key = parsed.template get_ref<const std::string&>();
      if (!keys[at].insert(key).second) throw JsonTextError("has the key '" + key + "' twice");
    }
    return true;
  };
  // nlohmann stops at a NUL byte and calls it the end of the input: say what is there instead.
  if (const std::size_t nul = text.find('\0'); nul != std::string_view::npos)
    throw JsonTextError("holds a NUL byte at byte " + std::to_string(nul) + ", which JSON text never has");
  try {
    return Json::parse(text, guard);
  } catch (const nlohmann::json::exception& e) {  // syntax errors, and numbers like 2e308 that overflow
    throw JsonTextError("is not valid JSON (" + json_error_text(e) + ")");
  }
}

}  // namespace classflow::detail
