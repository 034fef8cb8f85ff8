// `classflow decode`: prediction rows back to class names, through the class_mode's encoder.
#include "common.hpp"
#include "csv_table.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <iostream>

namespace classflow::cli {

namespace {
bool parse_float(const std::string& s, float& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  out = std::strtof(s.c_str(), &end);
  return *end == '\0' && errno != ERANGE;
}
}  // namespace

int run_decode_command(const PluginOptions& plugins, const DecodeFlags& f) {
  MappingFile m = load_mapping(f.class_indices_file);
  std::string class_mode = f.class_mode.empty() ? m.class_mode : f.class_mode;
  if (class_mode.empty())
    throw UsageError(fmt::format("class_mode '' is unknown for '{}'; expected --class-mode (e.g. categorical, "
                                 "binary, sparse)",
                                 f.class_indices_file));
  if (f.top_k < 1) throw UsageError(fmt::format("top_k '{}' is out of range; expected >= 1", f.top_k));
  auto registry = plugins.make_registry();
  auto encoder = registry->make_encoder(class_mode, m.class_index.class_names(),
                                        parse_key_values(f.encoder_opts, "--encoder-opt"));
  auto rows = read_csv(f.predictions);
  sdk::DecodeOptions opts;
  opts.top_k = f.top_k;
  opts.threshold = f.threshold;

  // Multi-label encoders return every class over the threshold: one cell each, '|'-joined.
  const bool multi = class_mode == "multi_hot";
  std::string header = "row";
  if (multi) header += ",class_names,scores";
  else if (f.top_k == 1) header += ",class_name,score";
  else
    for (int k = 1; k <= f.top_k; ++k) header += fmt::format(",class_name_{},score_{}", k, k);
  fmt::print("{}\n", header);
  int64_t out_row = 0;
  for (std::size_t line = 0; line < rows.size(); ++line) {
    const auto& cells = rows[line];
    std::vector<float> values;
    bool numeric = true;
    std::size_t bad = 0;
    for (std::size_t c = 0; c < cells.size() && numeric; ++c) {
      float v;
      numeric = parse_float(cells[c], v);
      if (numeric) values.push_back(v);
      else bad = c;
    }
    if (!numeric) {
      if (line == 0) continue;  // a header row
      throw DataError(fmt::format("predictions file '{}' line {} column {} holds '{}'; expected a number",
                                  f.predictions, line + 1, bad + 1, cells[bad]));
    }
    if (values.empty()) continue;
    auto decoded = encoder->decode(values.data(), static_cast<int64_t>(values.size()), opts);
    std::string out = std::to_string(out_row++);
    if (multi) {
      std::string names, scores;
      for (std::size_t k = 0; k < decoded.size(); ++k) {
        names += (k ? "|" : "") + m.class_index.name_of(decoded[k].class_id);
        scores += (k ? "|" : "") + fmt::format("{:.6g}", decoded[k].score);
      }
      fmt::print("{},{},{}\n", out, names, scores);
      continue;
    }
    for (int k = 0; k < f.top_k; ++k) {
      if (static_cast<std::size_t>(k) < decoded.size())
        out += fmt::format(",{},{:.6g}", m.class_index.name_of(decoded[static_cast<std::size_t>(k)].class_id),
                           decoded[static_cast<std::size_t>(k)].score);
      else out += ",,";
    }
    fmt::print("{}\n", out);
  }
  return 0;
}

}  // namespace classflow::cli
