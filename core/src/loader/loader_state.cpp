// Loader state files: JSON (nlohmann), written atomically.
#include <classflow/atomic_file.hpp>
#include <classflow/error.hpp>
#include <classflow/loader_state.hpp>

#include "io/json_text.hpp"
#include "io/whole_file.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace classflow {

using nlohmann::ordered_json;

std::string state_to_json(const LoaderState& s) {
  ordered_json j;
  j["format"] = kLoaderStateFormat;
  j["epoch"] = s.epoch;
  j["batches_consumed"] = s.batches_consumed;
  j["shard_id"] = s.shard_id;
  j["num_shards"] = s.num_shards;
  j["num_samples"] = s.num_samples;
  j["dataset_fingerprint"] = s.dataset_fingerprint;
  ordered_json options = ordered_json::object();
  for (const auto& [k, v] : s.options) options[k] = v;
  j["options"] = options;
  return j.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

LoaderState state_from_json(const std::string& text, const std::string& origin) {
  auto bad = [&](const std::string& why) {
    return UsageError(fmt::format("state file '{}' {}; expected a file written by --save-state or state_dict()", origin,
                                  why));
  };
  ordered_json j;
  try {
    j = detail::parse_json_text<ordered_json>(text, 4);  // a state nests 2 levels
  } catch (const detail::JsonTextError& e) {
    throw bad(e.what());
  }
  if (!j.is_object() || !j.contains("format") || j["format"] != kLoaderStateFormat)
    throw bad(fmt::format("has no format '{}'", kLoaderStateFormat));
  LoaderState s;
  auto integer = [&](const char* key, auto& out, int64_t lo) {
    if (!j.contains(key) || !j[key].is_number_integer() || j[key].get<int64_t>() < lo)
      throw bad(fmt::format("has no valid '{}' (an integer >= {})", key, lo));
    out = static_cast<std::remove_reference_t<decltype(out)>>(j[key].get<int64_t>());
  };
  integer("epoch", s.epoch, 0);
  integer("batches_consumed", s.batches_consumed, 0);
  integer("shard_id", s.shard_id, 0);
  integer("num_shards", s.num_shards, 1);
  integer("num_samples", s.num_samples, 0);
  if (!j.contains("dataset_fingerprint") || !j["dataset_fingerprint"].is_string())
    throw bad("has no 'dataset_fingerprint'");
  s.dataset_fingerprint = j["dataset_fingerprint"].get<std::string>();
  if (!j.contains("options") || !j["options"].is_object()) throw bad("has no 'options' object");
  for (const auto& [k, v] : j["options"].items()) {
    if (!v.is_string()) throw bad(fmt::format("option '{}' is not a string", k));
    s.options.emplace_back(k, v.get<std::string>());
  }
  return s;
}

void save_state(const std::string& path, const LoaderState& state) {
  write_file_atomically(path, state_to_json(state), "state file");
}

LoaderState load_state(const std::string& path) {
  constexpr std::uint64_t kMaxBytes = std::uint64_t{16} << 20;  // a state is well under 1 KiB
  const detail::WholeFile f = detail::read_whole_file(path, kMaxBytes);
  if (f.status != detail::WholeFileStatus::ok)
    throw UsageError(fmt::format("state file '{}' {}; expected a file written by --save-state", path,
                                 detail::why_not_read(f, kMaxBytes)));
  return state_from_json(f.bytes, path);
}

}  // namespace classflow
