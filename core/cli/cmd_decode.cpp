// `classflow decode`: prediction rows back to class names, through the class_mode's encoder.
#include "common.hpp"

#include <fmt/format.h>

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
  PredictionTable table = read_predictions(f.predictions);
  table.fit(labels);
  std::vector<std::string> names;  // --filenames: one per row, as filenames.txt lists them
  if (!f.filenames.empty()) {
    names = read_filenames_file(f.filenames);
    if (names.size() != table.rows.size())
      throw DataError(fmt::format("predictions file '{}' has {} rows but filenames file '{}' lists {} names; expected "
                                  "one name per prediction row, in the same order",
                                  f.predictions, table.rows.size(), f.filenames, names.size()));
  }
  sdk::DecodeOptions opts;
  opts.top_k = f.top_k;
  opts.threshold = f.threshold;

  // Multi-label encoders return every class over the threshold: one cell each, '|'-joined.
  const bool multi = labels.multi_label();
  std::string header = names.empty() ? "row" : "row,filename";
  if (multi) header += ",class_names,scores";
  else if (f.top_k == 1) header += ",class_name,score";
  else
    for (int k = 1; k <= f.top_k; ++k) header += fmt::format(",class_name_{},score_{}", k, k);
  // Every row is decoded before anything is printed: a bad row fails the command with no rows
  // on stdout, not with a partial table.
  std::string text = header + "\n";
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto& values = table.rows[r];
    std::vector<sdk::Decoded> decoded =
        decode_predictions(encoder, values.data(), 1, static_cast<int64_t>(values.size()), opts, [&](int64_t) {
          return fmt::format("predictions file '{}' {} {}", f.predictions, table.npy ? "row" : "line", table.lines[r]);
        }).front();
    std::string out = std::to_string(r);
    if (!names.empty()) out += "," + csv_field(names[r]);
    if (multi) {
      std::string joined, scores;
      for (std::size_t k = 0; k < decoded.size(); ++k) {
        joined += (k ? "|" : "") + m.class_index.name_of(decoded[k].class_id);  // quoted below
        scores += (k ? "|" : "") + fmt::format("{:.6g}", decoded[k].score);
      }
      text += fmt::format("{},{},{}\n", out, csv_field(joined), scores);
      continue;
    }
    for (int k = 0; k < f.top_k; ++k) {
      if (static_cast<std::size_t>(k) < decoded.size())
        out += fmt::format(",{},{:.6g}", csv_field(m.class_index.name_of(decoded[static_cast<std::size_t>(k)].class_id)),
                           decoded[static_cast<std::size_t>(k)].score);
      else out += ",,";
    }
    text += out + "\n";
  }
  fmt::print("{}", text);
  return 0;
}

}  // namespace classflow::cli
