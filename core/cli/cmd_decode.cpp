// `classflow decode`: prediction rows back to class names, through the class_mode's encoder.
#include "common.hpp"
#include "csv_table.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <iostream>

namespace classflow::cli {

namespace {
// RFC 4180: a field holding ',', '"' or a line break is quoted, with '"' doubled; control
// characters are escaped first (printable), as in every text output.
std::string csv_field(const std::string& raw) {
  const std::string s = printable(raw);
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

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
  if (f.class_mode.empty() && m.class_mode.empty())
    throw UsageError(fmt::format("class_mode '' is unknown for '{}'; expected --class-mode (e.g. categorical, "
                                 "binary, sparse)",
                                 f.class_indices_file));
  if (f.top_k < 1) throw UsageError(fmt::format("top_k '{}' is out of range; expected >= 1", f.top_k));
  auto registry = plugins.make_registry();
  LabelSpec labels = LabelSpec::resolve(*registry, {f.class_mode, parse_key_values(f.encoder_opts, "--encoder-opt"), m})
                         .bind(*registry, m.class_index);
  if (!labels.encoder())
    throw UsageError(fmt::format("class_mode '{}' has no encoder to decode predictions with; expected a class_mode "
                                 "such as categorical, binary, sparse",
                                 labels.class_mode()));
  const LabelEncoder& encoder = *labels.encoder();
  auto rows = read_csv(f.predictions);
  sdk::DecodeOptions opts;
  opts.top_k = f.top_k;
  opts.threshold = f.threshold;

  // Multi-label encoders return every class over the threshold: one cell each, '|'-joined.
  const bool multi = labels.multi_label();
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
      bool all_text = true;  // a header has no numeric cell at all
      for (const auto& c : cells) {
        float v;
        all_text = all_text && !parse_float(c, v);
      }
      if (line == 0 && all_text) continue;
      throw DataError(fmt::format("predictions file '{}' line {} column {} holds '{}'; expected a number",
                                  f.predictions, line + 1, bad + 1, cells[bad]));
    }
    if (values.empty()) continue;
    std::vector<sdk::Decoded> decoded =
        decode_predictions(encoder, values.data(), 1, static_cast<int64_t>(values.size()), opts, [&](int64_t) {
          return fmt::format("predictions file '{}' line {}", f.predictions, line + 1);
        }).front();
    std::string out = std::to_string(out_row++);
    if (multi) {
      std::string names, scores;
      for (std::size_t k = 0; k < decoded.size(); ++k) {
        names += (k ? "|" : "") + m.class_index.name_of(decoded[k].class_id);  // quoted below
        scores += (k ? "|" : "") + fmt::format("{:.6g}", decoded[k].score);
      }
      fmt::print("{},{},{}\n", out, csv_field(names), scores);
      continue;
    }
    for (int k = 0; k < f.top_k; ++k) {
      if (static_cast<std::size_t>(k) < decoded.size())
        out += fmt::format(",{},{:.6g}", csv_field(m.class_index.name_of(decoded[static_cast<std::size_t>(k)].class_id)),
                           decoded[static_cast<std::size_t>(k)].score);
      else out += ",,";
    }
    fmt::print("{}\n", out);
  }
  return 0;
}

}  // namespace classflow::cli
