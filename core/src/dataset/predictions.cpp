#include <classflow/error.hpp>
#include <classflow/label_spec.hpp>
#include <classflow/predictions.hpp>

#include "io/csv_rows.hpp"
#include "io/npy_reader.hpp"
#include "io/whole_file.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace classflow {

std::vector<std::vector<sdk::Decoded>> decode_predictions(const LabelEncoder& encoder, const float* rows,
                                                          int64_t num_rows, int64_t width,
                                                          const sdk::DecodeOptions& options,
                                                          const std::function<std::string(int64_t)>& row_name) {
  if (options.top_k < 1) throw UsageError(fmt::format("top_k '{}' is out of range; expected >= 1", options.top_k));
  if (num_rows < 0 || width < 0)
    throw UsageError(fmt::format("predictions shape [{}, {}] is invalid; expected [N, width] with N, width >= 0",
                                 num_rows, width));
  std::vector<std::vector<sdk::Decoded>> out;
  out.reserve(static_cast<std::size_t>(num_rows));
  for (int64_t i = 0; i < num_rows; ++i) {
    // Scores are finite, whatever the encoder does with them (an inf would win an argmax), and
    // whichever face or file format they came through.
    for (int64_t c = 0; c < width; ++c)
      if (!std::isfinite(rows[i * width + c]))
        throw DataError(fmt::format("{}: column {} holds {}; expected finite scores",
                                    row_name ? row_name(i) : fmt::format("prediction row {}", i), c,
                                    rows[i * width + c]));
    try {
      out.push_back(encoder.decode(rows + i * width, width, options));
    } catch (const DataError& e) {
      // A row the encoder cannot read is bad data in this file: say which row (the encoder's
      // message names the encoder).
      throw DataError(fmt::format("{}: {}", row_name ? row_name(i) : fmt::format("prediction row {}", i), e.what()));
    }
  }
  return out;
}

namespace {

char detect_delimiter(std::string_view text) {
  std::size_t start = 0;
  while (start < text.size()) {  // the first line with something on it
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
      for (char d : {',', '\t', ';'})
        if (line.find(d) != std::string_view::npos) return d;
      return ' ';
    }
    start = end + 1;
  }
  return ',';
}

// Blank-separated values (savetxt): runs of spaces and tabs split cells. Quoting does not
// apply, so this is a split, not a CSV parser.
std::vector<detail::CsvRow> split_blanks(std::string_view text) {
  std::vector<detail::CsvRow> rows;
  long line = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++line;
    detail::CsvRow row{{}, line};
    std::size_t i = start;
    while (i < end) {
      while (i < end && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r')) ++i;
      std::size_t j = i;
      while (j < end && text[j] != ' ' && text[j] != '\t' && text[j] != '\r') ++j;
      if (j > i) row.cells.emplace_back(text.substr(i, j - i));
      i = j;
    }
    if (!row.cells.empty()) rows.push_back(std::move(row));
    if (end == text.size()) break;
    start = end + 1;
  }
  return rows;
}

enum class Score { ok, not_a_number, not_finite };

// A number within float range; strtod, so a denormal like 1e-39 is a number (strtof reports it
// as a range error). The whole cell: a NUL inside (a binary file read as text) is not a number.
Score parse_score(const std::string& cell, float& out) {
  std::size_t b = cell.find_first_not_of(" \t\r");
  if (b == std::string::npos) return Score::not_a_number;
  const char* s = cell.c_str() + b;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s, &end);
  while (end && (*end == ' ' || *end == '\t' || *end == '\r')) ++end;
  if (end == s || end != cell.c_str() + cell.size()) return Score::not_a_number;
  if (!std::isfinite(v) || std::fabs(v) > std::numeric_limits<float>::max()) return Score::not_finite;
  out = static_cast<float>(v);
  return Score::ok;
}

// A cell as a message shows it: at most 40 bytes, control and non-ASCII bytes as \xNN (a binary
// file read as text must not cut the message at a NUL or write raw bytes to the terminal).
std::string shown(std::string_view cell) {
  std::string out;
  for (std::size_t i = 0; i < cell.size() && i < 40; ++i) {
    const auto c = static_cast<unsigned char>(cell[i]);
    if (c < 0x20 || c >= 0x7f) out += fmt::format("\\x{:02x}", c);
    else out += static_cast<char>(c);
  }
  return cell.size() > 40 ? out + "..." : out;
}

std::string delimiter_name(char d) {
  switch (d) {
    case '\t': return "a tab";
    case ' ': return "blanks";
    default: return fmt::format("'{}'", d);
  }
}

}  // namespace

PredictionTable parse_predictions(std::string_view text, const std::string& origin) {
  PredictionTable t;
  if (detail::is_npy(text)) {
    const detail::NpyArray a = detail::read_npy(text, origin);
    if (a.shape.empty() || a.shape.size() > 2)
      throw DataError(fmt::format("predictions file '{}' holds a .npy array of {} dimensions; expected [N] (one score "
                                  "per row) or [N, K] (K scores per row)",
                                  origin, a.shape.size()));
    const int64_t n = a.shape[0], k = a.shape.size() == 2 ? a.shape[1] : 1;
    t.shape = a.shape;
    // [N, 0] holds no data whatever N says: rows of nothing (a hostile N would be billions of them).
    if (k == 0 && n > 0)
      throw DataError(fmt::format("predictions file '{}' holds a .npy array of shape [{}, 0]: rows without scores; "
                                  "expected [N] (one score per row) or [N, K] with K >= 1",
                                  origin, n));
    t.npy = true;
    t.rows.reserve(static_cast<std::size_t>(n));
    for (int64_t r = 0; r < n; ++r) {
      std::vector<float> row(static_cast<std::size_t>(k));
      for (int64_t c = 0; c < k; ++c) {
        const double v = a.values[static_cast<std::size_t>(r * k + c)];
        if (std::isfinite(v) && std::fabs(v) > std::numeric_limits<float>::max())
          throw DataError(fmt::format("predictions file '{}' row {} column {} holds {}, outside float32 range; "
                                      "expected scores",
                                      origin, r, c, v));
        row[static_cast<std::size_t>(c)] = static_cast<float>(v);
      }
      t.rows.push_back(std::move(row));
      t.lines.push_back(r);
    }
    return t;
  }
  // numpy.savez writes a zip of .npy files: one array is needed, and text parsing would show bytes.
  if (text.substr(0, 4) == std::string_view("PK\x03\x04", 4) || text.substr(0, 4) == std::string_view("PK\x05\x06", 4))
    throw DataError(fmt::format("predictions file '{}' is a zip archive (numpy.savez writes one, .npz); expected "
                                "one array as numpy.save writes it (.npy) or a CSV / savetxt text file",
                                origin));
  // A UTF-8 byte order mark (Excel's "CSV UTF-8") is not part of the first cell.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  // Lines starting with '#' are comments, as numpy.loadtxt reads them (savetxt's header= and
  // footer= write them): blanked, so line numbers in messages stay the file's.
  std::string uncommented;
  if (text.find('#') != std::string_view::npos) {
    uncommented.assign(text);
    std::size_t start = 0;
    while (start < uncommented.size()) {
      std::size_t end = uncommented.find('\n', start);
      if (end == std::string::npos) end = uncommented.size();
      const std::size_t first = uncommented.find_first_not_of(" \t\r", start);
      if (first < end && uncommented[first] == '#')
        for (std::size_t i = start; i < end; ++i) uncommented[i] = ' ';
      start = end + 1;
    }
    text = uncommented;
  }
  t.delimiter = detect_delimiter(text);
  auto rows = t.delimiter == ' ' ? split_blanks(text) : detail::read_csv_rows(text, t.delimiter, origin);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const auto& cells = rows[r].cells;
    std::vector<float> values;
    values.reserve(cells.size());
    std::size_t bad = cells.size();
    Score why = Score::ok;
    bool numeric = false;  // some cell is a number, finite or not
    for (std::size_t c = 0; c < cells.size(); ++c) {
      float v;
      const Score got = parse_score(cells[c], v);
      numeric = numeric || got != Score::not_a_number;
      if (got == Score::ok) {
        values.push_back(v);
      } else if (bad == cells.size()) {
        bad = c;
        why = got;
      }
    }
    if (bad == cells.size()) {
      if (values.empty()) continue;  // a line of empty cells
      t.rows.push_back(std::move(values));
      t.lines.push_back(rows[r].line);
      continue;
    }
    // A header names columns: no cell of it is a number, not even nan or inf (a row of NaN
    // scores is an error, not a header), and none runs over lines (an unclosed quote would
    // otherwise make the whole file one "header" cell).
    if (std::any_of(cells.begin(), cells.end(),
                    [](const std::string& cell) { return cell.find_first_of("\r\n") != std::string::npos; }))
      throw DataError(fmt::format("predictions file '{}' line {}: a cell runs over several lines (an unclosed "
                                  "quote?); expected one row per line",
                                  origin, rows[r].line));
    if (r == 0 && !numeric) {
      t.header = true;
      continue;
    }
    throw DataError(fmt::format("predictions file '{}' line {} column {} holds '{}'; expected a {}{}", origin,
                                rows[r].line, bad + 1, shown(cells[bad]),
                                why == Score::not_finite ? "finite number within float32 range" : "number",
                                t.delimiter == ',' && cells.size() > 1
                                    ? std::string()
                                    : fmt::format(" (columns split at {})", delimiter_name(t.delimiter))));
  }
  return t;
}

std::array<int64_t, 2> prediction_rows_shape(const std::vector<int64_t>& shape, const LabelSpec& labels) {
  if (shape.size() == 2) return {shape[0], shape[1]};
  if (shape.size() == 1) return labels.positive_class() ? std::array<int64_t, 2>{shape[0], 1} : std::array<int64_t, 2>{1, shape[0]};
  throw UsageError(fmt::format("predictions of shape [{}] are not rows; expected [N, width], or [N]: N scores of "
                               "class_mode binary, or one row of N scores",
                               fmt::join(shape, ", ")));
}

PredictionTable& PredictionTable::fit(const LabelSpec& labels) {
  if (!npy || shape.size() != 1 || prediction_rows_shape(shape, labels)[0] != 1 || rows.size() <= 1) return *this;
  std::vector<float> one;
  for (const auto& r : rows) one.insert(one.end(), r.begin(), r.end());
  rows.assign(1, std::move(one));
  lines.assign(1, 0);
  return *this;
}

namespace {
// Predictions and filenames files are read whole: as large as an image may be (2 GiB), so a huge
// or sparse file is an error at once, not minutes of reading.
constexpr std::uint64_t kMaxListBytes = std::uint64_t{2} << 30;
}  // namespace

PredictionTable read_predictions(const std::string& path) {
  const detail::WholeFile f = detail::read_whole_file(path, kMaxListBytes);
  if (f.status != detail::WholeFileStatus::ok)
    throw DataError(fmt::format("predictions file '{}' {}; expected a {}CSV, savetxt or .npy file", path,
                                detail::why_not_read(f, kMaxListBytes),
                                f.status == detail::WholeFileStatus::unreadable ? "readable " : ""));
  return parse_predictions(f.bytes, path);
}

std::vector<std::string> read_filenames_file(const std::string& path) {
  const detail::WholeFile f = detail::read_whole_file(path, kMaxListBytes);
  if (f.status != detail::WholeFileStatus::ok)
    throw DataError(fmt::format("filenames file '{}' {}; expected a list with one file per line (e.g. the "
                                "filenames.txt of --export)",
                                path, detail::why_not_read(f, kMaxListBytes)));
  std::vector<std::string> names;
  std::string_view rest = f.bytes;
  if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);  // a UTF-8 byte-order mark, as predictions files
  while (!rest.empty()) {  // as std::getline: a final newline does not start an empty name
    const std::size_t end = rest.find('\n');
    std::string_view name = rest.substr(0, end);
    if (end != std::string_view::npos && !name.empty() && name.back() == '\r') name.remove_suffix(1);  // CRLF
    names.emplace_back(name);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
  }
  return names;
}

}  // namespace classflow
