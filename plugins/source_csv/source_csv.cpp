// source 'csv': a labels file with a header row listing image paths and their labels (Keras
// flow_from_dataframe). Parsed by libcsv in strict mode; rows are reported in file order (the
// canonical order); class indices are left to the core, which sorts names like folder names.
#include <classflow/sdk/plugin.hpp>

#include "common/source_paths.hpp"

#include <csv.h>

#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace classflow::sdk;

using classflow::plugins::to_path;
using classflow::plugins::to_utf8;
using classflow::plugins::ascii_lower;
using classflow::plugins::lower_extension;



/// `text` without leading and trailing ASCII spaces and tabs.
std::string trim(const std::string& text) {
  const std::size_t first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

/// "a, b, c", cut after 20 names so a wide header stays readable.
std::string join_names(const std::vector<std::string>& names) {
  constexpr std::size_t kShown = 20;
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < kShown; ++i) out += (i == 0 ? "" : ", ") + names[i];
  if (names.size() > kShown) out += ", ... (" + std::to_string(names.size() - kShown) + " more)";
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading records with libcsv

/// One record of the labels file: its fields, byte for byte, and the line it starts on.
struct Record {
  std::vector<std::string> fields;
  std::size_t line = 0;  ///< 1-based physical line of the record's first byte
};

/// What libcsv's callbacks fill. They run inside C code, so they never throw: an allocation
/// failure is remembered and reported after csv_parse returns.
struct ParseState {
  Record current;
  std::vector<Record> done;     ///< complete records not yet handed on
  std::size_t record_line = 0;  ///< start line of the record in progress; 0 = none
  bool out_of_memory = false;

  static void on_field(void* data, size_t len, void* context) noexcept {
    auto* s = static_cast<ParseState*>(context);
    try {
      s->current.fields.emplace_back(data ? static_cast<const char*>(data) : "", data ? len : 0);
    } catch (...) {
      s->out_of_memory = true;
    }
  }
  static void on_record(int, void* context) noexcept {
    auto* s = static_cast<ParseState*>(context);
    try {
      s->current.line = s->record_line;
      s->done.push_back(std::move(s->current));
    } catch (...) {
      s->out_of_memory = true;
    }
    s->current = Record{};
    s->record_line = 0;
  }
};

// Fields are taken as written: libcsv would otherwise trim spaces, which file names may hold.
int no_space(unsigned char) { return 0; }

/// Frees the parser on every exit, including an exception thrown by a record handler.
struct ParserGuard {
  csv_parser* parser;
  ~ParserGuard() { csv_free(parser); }
};

/// Reads `bytes` (the whole labels file, `file` names it in messages) with libcsv in strict
/// mode and calls `on_record(Record&)` for each record in file order. Lines end with LF, CRLF
/// or CR; blank lines are skipped; a leading UTF-8 byte-order mark is dropped; fields keep
/// their bytes (no trimming). The input is fed one physical line at a time so every record and
/// every syntax error knows its line, even with line breaks inside quoted fields.
/// @throws DataError naming the file and line for malformed CSV; whatever on_record throws.
template <class F>
void read_records(const std::string& file, const std::string& bytes, F&& on_record) {
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0)
    throw Error(CF_ERROR_INTERNAL, "labels file '" + file + "' cannot be parsed: libcsv failed to start");
  ParserGuard guard{&parser};
  csv_set_space_func(&parser, &no_space);

  ParseState state;
  const auto flush = [&] {
    if (state.out_of_memory) throw std::bad_alloc();
    for (Record& r : state.done) on_record(r);
    state.done.clear();
  };
  const char* data = bytes.data();
  const std::size_t size = bytes.size();
  std::size_t pos = bytes.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;  // Excel writes a BOM
  std::size_t line = 0;
  while (pos < size) {
    std::size_t end = pos;
    while (end < size && data[end] != '\n' && data[end] != '\r') ++end;
    if (end < size) end += (data[end] == '\r' && end + 1 < size && data[end + 1] == '\n') ? 2 : 1;
    ++line;
    bool blank = true;
    for (std::size_t i = pos; i < end && blank; ++i) blank = data[i] == '\n' || data[i] == '\r';
    if (state.record_line == 0 && !blank) state.record_line = line;
    if (csv_parse(&parser, data + pos, end - pos, &ParseState::on_field, &ParseState::on_record, &state) != end - pos) {
      if (csv_error(&parser) == CSV_ENOMEM) throw std::bad_alloc();
      throw DataError("labels file '" + file + "' line " + std::to_string(line) + " is not valid CSV (" +
                      csv_strerror(csv_error(&parser)) +
                      "); expected comma-separated fields with RFC 4180 quoting (a quoted field ends "
                      "right before ',' or the line end; \"\" is a quote inside it)");
    }
    flush();
    pos = end;
  }
  if (csv_fini(&parser, &ParseState::on_field, &ParseState::on_record, &state) != 0)
    throw DataError("labels file '" + file + "' line " + std::to_string(state.record_line) +
                    " has a quoted field that is not closed before the end of the file; expected a "
                    "closing '\"'");
  flush();
}

// ---------------------------------------------------------------------------------------------
// Options

/// How the label columns are read.
enum class LabelMode {
  none,       ///< labels=0: no class columns are read; samples have no class
  single,     ///< y_col: one class name per row
  delimited,  ///< y_col + label_delimiter: 0..n class names per row, split on the delimiter
  columns,    ///< y_cols: one 0/1 column per class, classes in column order
  raw,        ///< raw=1: numeric values per row (y_cols, or y_col), no classes
};

/// The scan options, parsed once.
struct Settings {
  fs::path directory;               ///< base of relative paths; default the labels file's folder
  std::string x_col = "filename";   ///< column of the image paths; default "filename"
  std::vector<std::string> y_cols;  ///< label (or value) columns in order; default {"class"}
  std::string y_option = "y_col";   ///< which option named y_cols ("y_col" | "y_cols"), for messages
  std::string delimiter;            ///< label_delimiter; default none
  bool validate = true;             ///< validate_filenames; default true
  bool confined = false;            ///< `directory` was given: listed paths must stay inside it
  bool allow_absolute = false;      ///< allow_absolute_paths; default false (with `directory`)
  LabelMode mode = LabelMode::single;
};

/// Splits "a,b,c" of option `key`. @throws InvalidArgument for an empty or repeated name.
std::vector<std::string> split_column_list(const std::string& key, const std::string& value) {
  std::vector<std::string> names;
  std::unordered_set<std::string> seen;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = value.find(',', start);
    std::string name = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (name.empty())
      throw InvalidArgument("option '" + key + "' value '" + value +
                            "' has an empty column name; expected comma-separated column names, e.g. " + key +
                            "=N,D,G");
    if (!seen.insert(name).second)
      throw InvalidArgument("option '" + key + "' value '" + value + "' names column '" + name +
                            "' twice; expected each column once");
    names.push_back(std::move(name));
    if (comma == std::string::npos) return names;
    start = comma + 1;
  }
}

/// @throws InvalidArgument for an unknown option, a bad value or options that exclude each other.
Settings parse_settings(const ScanRequest& request) {
  const Options& o = request.options;
  // follow_links is what the core passes for --follow-links: listed paths are opened as written,
  // links included, so it changes nothing here.
  o.require_known("source 'csv'", {"directory", "x_col", "y_col", "y_cols", "label_delimiter", "validate_filenames",
                                   "labels", "raw", "follow_links", "allow_absolute_paths"});
  o.get_bool("follow_links", false);
  Settings s;
  s.validate = o.get_bool("validate_filenames", true);
  s.allow_absolute = o.get_bool("allow_absolute_paths", false);
  const bool labels = o.get_bool("labels", true);
  const bool raw = o.get_bool("raw", false);
  if (o.has("x_col")) s.x_col = o.get("x_col");
  if (s.x_col.empty()) throw InvalidArgument("option 'x_col' value '' is empty; expected a column name");
  if (o.has("y_col") && o.has("y_cols"))
    throw InvalidArgument(
        "options 'y_col' and 'y_cols' are both given; expected y_col for one label column "
        "or y_cols for several");
  if (o.has("y_cols")) {
    s.y_cols = split_column_list("y_cols", o.get("y_cols"));
    s.y_option = "y_cols";
  } else {
    s.y_cols = {o.get("y_col", "class")};
    if (s.y_cols[0].empty()) throw InvalidArgument("option 'y_col' value '' is empty; expected a column name");
  }
  if (o.has("label_delimiter")) {
    s.delimiter = o.get("label_delimiter");
    if (s.delimiter.empty())
      throw InvalidArgument("option 'label_delimiter' value '' is empty; expected a separator such as '|'");
    if (o.has("y_cols") || raw)
      throw InvalidArgument(std::string("option 'label_delimiter' does not apply with ") + (raw ? "raw=1" : "y_cols") +
                            "; expected label_delimiter with one y_col");
  }
  if (raw)
    s.mode = LabelMode::raw;  // values, never classes: labels=0 changes nothing
  else if (!labels)
    s.mode = LabelMode::none;
  else if (o.has("y_cols"))
    s.mode = LabelMode::columns;
  else if (!s.delimiter.empty())
    s.mode = LabelMode::delimited;
  else
    s.mode = LabelMode::single;

  if (o.has("directory")) {
    const std::string dir = o.get("directory");
    std::error_code ec;
    if (dir.empty() || !fs::is_directory(to_path(dir), ec))
      throw DataError("option 'directory' value '" + dir + "' is not a folder; expected the folder the paths in '" +
                      request.root + "' are relative to");
    s.directory = to_path(dir);
    s.confined = true;
  } else {
    s.directory = to_path(request.root).parent_path();
    if (s.directory.empty()) s.directory = ".";
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Checking that listed files exist: one listing per parent folder (BR-30)

/// What a listed path turned out to be.
struct FileState {
  bool usable = false;                    ///< a regular file (or a link to one)
  cf_skip_reason reason = CF_SKIP_OTHER;  ///< why not, when !usable
  std::string detail;
};

/// Answers "is this path a regular file?" from one directory listing per distinct parent
/// folder, never one stat per row (BR-30: 150k rows in a few folders cost a few listings).
class FileChecker {
 public:
  /// The state of `path` (already joined with the base folder).
  FileState check(const fs::path& path) {
    const fs::path name = path.filename();
    if (name.empty()) return {false, CF_SKIP_OTHER, "not a file name"};
    const Listing& listing = listing_of(path.parent_path());
    if (listing.failure != 0) return {false, static_cast<cf_skip_reason>(listing.failure), listing.error};
    const auto it = listing.entries.find(name.native());
    if (it == listing.entries.end()) return {false, CF_SKIP_MISSING_FILE, ""};
    switch (it->second) {
      case Kind::file:
        return {true, CF_SKIP_OTHER, ""};
      case Kind::broken_link:
        return {false, CF_SKIP_BROKEN_LINK, ""};
      case Kind::other:
        break;
    }
    return {false, CF_SKIP_OTHER, "not a regular file"};
  }

 private:
  enum class Kind { file, broken_link, other };
  struct Listing {
    std::unordered_map<fs::path::string_type, Kind> entries;
    int32_t failure = 0;  ///< a cf_skip_reason for every name when the folder cannot be listed
    std::string error;
  };

  const Listing& listing_of(const fs::path& parent) {
    const fs::path dir = parent.empty() ? fs::path(".") : parent;
    auto [it, inserted] = listings_.try_emplace(dir.native());
    if (!inserted) return it->second;
    Listing& listing = it->second;
    std::error_code ec;
    fs::directory_iterator entry(dir, ec);
    for (const fs::directory_iterator end; !ec && entry != end; entry.increment(ec)) {
      // The type comes from readdir; only a symlink costs a stat of its target.
      std::error_code type_ec;
      Kind kind = Kind::other;
      if (entry->is_regular_file(type_ec))
        kind = Kind::file;
      else if (entry->is_symlink(type_ec) && !fs::exists(entry->status(type_ec)))
        kind = Kind::broken_link;
      listing.entries.emplace(entry->path().filename().native(), kind);
    }
    if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory) {
      listing.failure = CF_SKIP_UNREADABLE;
      listing.error = ec.message();
    }
    return listing;
  }

  std::unordered_map<fs::path::string_type, Listing> listings_;
};

// ---------------------------------------------------------------------------------------------
// Rows to samples

/// Turns records into sink reports: the header first, then one sample (or skipped entry) per row.
class RowReader {
 public:
  RowReader(const ScanRequest& request, const Settings& settings, const ScanSink& sink)
      : file_(request.root), settings_(settings), sink_(sink) {
    for (const std::string& ext : request.extensions) extensions_.insert(ascii_lower(ext));
  }

  /// Takes the next record: the header, then data rows.
  /// @throws DataError for a missing column or a malformed row (naming file, line and column).
  void take(const Record& record) {
    if (!header_read_)
      read_header(record);
    else
      read_row(record);
  }

  /// @throws DataError when the file held no header row.
  void finish() const {
    if (!header_read_)
      throw DataError("labels file '" + file_ + "' is empty; expected a header row naming the columns, e.g. " +
                      settings_.x_col + "," + settings_.y_cols.front());
  }

 private:
  void read_header(const Record& record) {
    header_ = record.fields;
    header_read_ = true;
    x_ = column_index(settings_.x_col, "x_col", record.line);
    if (settings_.mode == LabelMode::none) return;
    for (const std::string& name : settings_.y_cols) y_.push_back(column_index(name, settings_.y_option, record.line));
    if (settings_.mode == LabelMode::columns) {
      // Label columns are classes in column order (BR-19); an explicit class list still wins.
      for (const std::string& name : settings_.y_cols) sink_.add_class(name);
      sink_.keep_class_order();
    }
  }

  /// Index of header column `name`. @throws DataError naming it and listing the header.
  std::size_t column_index(const std::string& name, const std::string& option, std::size_t line) const {
    std::optional<std::size_t> found;
    for (std::size_t i = 0; i < header_.size(); ++i) {
      if (header_[i] != name) continue;
      if (found)
        throw DataError("labels file '" + file_ + "' line " + std::to_string(line) + " has column '" + name +
                        "' twice (columns " + std::to_string(*found + 1) + " and " + std::to_string(i + 1) +
                        "); expected unique names for the columns in use");
      found = i;
    }
    if (!found)
      throw DataError("labels file '" + file_ + "' has no column '" + name + "' (option " + option +
                      "); expected one of the header's columns: " + join_names(header_));
    return *found;
  }

  std::string where(const Record& record, std::size_t column) const {
    return "labels file '" + file_ + "' line " + std::to_string(record.line) + " column '" + header_[column] + "'";
  }

  void read_row(const Record& record) {
    const std::size_t n = record.fields.size();
    if (n != header_.size()) {
      const std::string problem = n < header_.size()
                                      ? "column '" + header_[n] + "' is missing"
                                      : "column " + std::to_string(header_.size() + 1) + " is not in the header";
      throw DataError("labels file '" + file_ + "' line " + std::to_string(record.line) + " has " + std::to_string(n) +
                      " fields (" + problem + "); expected " + std::to_string(header_.size()) +
                      " as in the header: " + join_names(header_));
    }
    for (std::size_t c = 0; c < n; ++c)
      if (record.fields[c].find('\0') != std::string::npos)
        throw DataError(where(record, c) + " holds a NUL byte; expected text");
    const std::string& x = record.fields[x_];
    if (x.empty()) throw DataError(where(record, x_) + " is empty; expected an image path");
    if (settings_.confined) require_inside(record, x);

    classes_.clear();
    values_.clear();
    switch (settings_.mode) {
      case LabelMode::none:
        break;
      case LabelMode::single: {
        const std::string& cell = record.fields[y_[0]];
        if (cell.empty())
          throw DataError(where(record, y_[0]) + " is empty; expected a class name (or load the files without labels)");
        classes_.push_back(cell);
        break;
      }
      case LabelMode::delimited:
        split_labels(record.fields[y_[0]]);
        break;
      case LabelMode::columns:
        for (std::size_t c : y_) {
          const std::string& cell = record.fields[c];
          if (cell != "0" && cell != "1") throw DataError(where(record, c) + " holds '" + cell + "'; expected 0 or 1");
          if (cell == "1") classes_.push_back(header_[c]);
          values_.push_back(cell == "1" ? 1.0f : 0.0f);  // so class_mode raw reads the same columns
        }
        break;
      case LabelMode::raw:
        for (std::size_t c : y_) values_.push_back(parse_value(record, c));
        break;
    }

    if (settings_.validate) {
      if (const std::optional<FileState> bad = unusable(x)) {
        sink_.add_skipped(x, bad->reason, bad->detail);
        // A class keeps its index whether or not its files are present today (Keras too finds
        // classes before it validates file names): the mapping must not depend on the disk.
        if (settings_.mode == LabelMode::single || settings_.mode == LabelMode::delimited)
          for (const std::string& c : classes_) sink_.add_class(c);
        return;
      }
    }
    sink_.add_sample(x, classes_);
    if (settings_.mode == LabelMode::columns || settings_.mode == LabelMode::raw) sink_.add_values(values_);
  }

  /// With `directory` given, a listed path must stay inside it: no absolute path (unless
  /// allow_absolute_paths=1) and no `..` that climbs above it (checked on the text, before any
  /// file is touched). @throws DataError naming the row and the path.
  void require_inside(const Record& record, const std::string& x) const {
    const fs::path path = to_path(x);
    const std::string dir = to_utf8(settings_.directory);
    if (path.is_absolute()) {
      if (settings_.allow_absolute) return;
      throw DataError(where(record, x_) + " holds the absolute path '" + x + "' while option 'directory' is '" + dir +
                      "'; expected a path inside that folder (or allow_absolute_paths=1, --allow-absolute-paths)");
    }
    int depth = 0;
    for (const auto& part : path) {
      if (part == "..") --depth;
      else if (part != "." && !part.empty()) ++depth;
      if (depth < 0)
        throw DataError(where(record, x_) + " holds the path '" + x + "', which leaves the folder '" + dir +
                        "' (option 'directory'); expected a path inside it");
    }
  }

  /// Class names of a delimited cell: split, trimmed, empty parts dropped, repeats dropped.
  void split_labels(const std::string& cell) {
    std::size_t start = 0;
    while (start <= cell.size()) {
      const std::size_t at = cell.find(settings_.delimiter, start);
      const std::size_t stop = at == std::string::npos ? cell.size() : at;
      std::string name = trim(cell.substr(start, stop - start));
      bool repeated = false;
      for (const std::string& c : classes_) repeated = repeated || c == name;
      if (!name.empty() && !repeated) classes_.push_back(std::move(name));
      if (at == std::string::npos) break;
      start = at + settings_.delimiter.size();
    }
  }

  /// A raw cell as float32: a number within float range; one too small for float32 (1e-45,
  /// 1e-300) rounds to a denormal or 0 as NumPy's float32 does, not an error (strtof calls it a
  /// range error). @throws DataError unless it is a finite number of float range.
  float parse_value(const Record& record, std::size_t column) const {
    const std::string cell = trim(record.fields[column]);
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(cell.c_str(), &end);
    if (cell.empty() || *end != '\0' || !std::isfinite(v) || std::fabs(v) > std::numeric_limits<float>::max())
      throw DataError(where(record, column) + " holds '" + record.fields[column] + "'; expected a finite number");
    return static_cast<float>(v);
  }

  /// Why listed path `x` cannot be a sample (Keras checks the same two things when
  /// validate_filenames is on: a claimed extension, and a regular file), or nothing.
  std::optional<FileState> unusable(const std::string& x) {
    const fs::path path = to_path(x);
    const std::string ext = lower_extension(to_utf8(path.filename()));
    if (extensions_.count(ext) == 0) return FileState{false, CF_SKIP_UNSUPPORTED_EXTENSION, ext};
    FileState state = checker_.check(path.is_absolute() ? path : settings_.directory / path);
    if (state.usable) return std::nullopt;
    return state;
  }

  const std::string& file_;
  const Settings& settings_;
  const ScanSink& sink_;
  std::unordered_set<std::string> extensions_;
  FileChecker checker_;
  std::vector<std::string> header_;
  bool header_read_ = false;
  std::size_t x_ = 0;
  std::vector<std::size_t> y_;        ///< header indices of settings_.y_cols
  std::vector<std::string> classes_;  ///< of the current row (reused)
  std::vector<float> values_;         ///< of the current row (reused)
};

/// The whole labels file. @throws DataError when it is missing, not a file, or unreadable.
std::string read_labels_file(const std::string& file) {
  const std::string expected = "; expected a CSV file with a header row, e.g. filename,class";
  std::error_code ec;
  const fs::file_status st = fs::status(to_path(file), ec);
  if (st.type() == fs::file_type::not_found) throw DataError("labels file '" + file + "' does not exist" + expected);
  if (!ec && st.type() != fs::file_type::regular)
    throw DataError("labels file '" + file + "' is not a file" + expected);
  std::ifstream in(to_path(file), std::ios::binary);
  std::ostringstream bytes;
  if (in) bytes << in.rdbuf();
  if (ec || !in || in.bad())
    throw DataError("labels file '" + file + "' cannot be read (" +
                    (ec ? ec.message() : std::string(std::strerror(errno))) + ")" + expected);
  return bytes.str();
}

/// The 'csv' source. Stateless: one instance serves every scan.
///
/// The root is a labels file (RFC 4180 CSV, header row required, UTF-8 bytes kept as written).
/// Each data row is one sample, reported in file order (the canonical order: the core does not
/// group CSV samples by class). Class names are reported, never indexed: the core sorts them in
/// byte order like folder names (or keeps an explicit `classes` list, or a saved mapping).
///
/// Options (booleans "1"/"0"/"true"/"false"):
///  - `directory` (default: the labels file's folder): folder that relative paths start from;
///    sample paths stay as written in the file (absolute ones stay absolute). When given, every
///    listed path must stay inside it: no `..` climbing out, no absolute path unless
///    `allow_absolute_paths=1` (a data error naming the row otherwise).
///  - `allow_absolute_paths` (default 0): with `directory`, accept absolute paths.
///  - A NUL byte in any cell is a data error naming the row and column.
///  - `x_col` (default `filename`): column of the image paths.
///  - `y_col` (default `class`): column of the class name, one per row; an empty cell is an error.
///  - `label_delimiter` (no default): with y_col, the cell holds 0..n class names separated by
///    it, trimmed of spaces, empty parts dropped (an empty cell is a sample with no class).
///  - `y_cols` (no default; excludes y_col): comma-separated 0/1 columns, one per class; the
///    classes are the columns in column order (keep_class_order); each cell must be exactly `0`
///    or `1`; the 0/1 values are also reported with add_values (class_mode raw reads them).
///  - `raw` (default 0): 1 reads y_cols (or y_col) as finite numbers reported with add_values;
///    samples have no class.
///  - `labels` (default 1): 0 reads no label column (label-less); ignored with raw=1.
///  - `validate_filenames` (default 1): a row whose extension no decoder claims is skipped as
///    CF_SKIP_UNSUPPORTED_EXTENSION, and a path that is not a regular file as
///    CF_SKIP_MISSING_FILE (or broken link, other, unreadable), checked with one listing per
///    parent folder. The classes of a skipped row keep their index. 0 trusts the list.
///  - `follow_links`: accepted (the core passes it); listed paths are opened as written.
/// Explicit classes (request.classes): every row is reported; the core drops the rows of other
/// classes and counts them as filtered (BR-08).
class CsvSource final : public DatasetSource {
 public:
  /// 100 for a regular file whose name ends in `.csv` (any case); 1 for such a name that does
  /// not exist, so the user hears "labels file '…' does not exist"; else 0.
  int32_t probe(const std::string& root) const override {
    if (root.size() < 4 || ascii_lower(root.substr(root.size() - 4)) != ".csv") return 0;
    std::error_code ec;
    const fs::file_status st = fs::status(to_path(root), ec);
    if (st.type() == fs::file_type::regular) return 100;
    return st.type() == fs::file_type::not_found ? 1 : 0;
  }

  /// @throws InvalidArgument (a usage error, exit 2) for an unknown option or a bad value;
  /// DataError (exit 3) for a labels file that is missing, unreadable, malformed (naming the
  /// line), lacks a column (naming it and listing the header), holds a bad cell (naming line and
  /// column), or for a `directory` that is not a folder.
  void scan(const ScanRequest& request, const ScanSink& sink) const override {
    const Settings settings = parse_settings(request);
    const std::string bytes = read_labels_file(request.root);
    sink.set_base_directory(to_utf8(settings.directory));  // paths in the CSV start there
    RowReader rows(request, settings, sink);
    read_records(request.root, bytes, [&](const Record& record) { rows.take(record); });
    rows.finish();
  }
};

}  // namespace

CLASSFLOW_PLUGIN("classflow_source_csv", CLASSFLOW_PLUGIN_VERSION, "MIT",
                 "CSV labels file listing image paths and labels (Keras flow_from_dataframe)") {
  registrar.add_source<CsvSource>(
      "csv", "labels.csv with a header: x_col paths and y_col class | y_cols 0/1 columns | raw values");
}
