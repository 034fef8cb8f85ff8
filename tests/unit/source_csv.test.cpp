// The 'csv' source plugin: header and label modes (class column, delimited, 0/1 columns, raw
// values), file checks, malformed input; first through its C vtable (exact report order), then
// through classflow::scan_dataset and the real encoders (what users see).
#include <catch2/catch.hpp>

#include <classflow/dataset.hpp>
#include <classflow/error.hpp>
#include <classflow/label_encoder.hpp>
#include <classflow/registry.hpp>

#include "temp_tree.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace {

using Catch::Matchers::Contains;
using classflow::DataError;
using classflow::Registry;
using classflow::RegistryOptions;
using classflow::ScanOptions;
using classflow::UsageError;
using classflow::test::TempDir;
using Options = std::vector<std::pair<std::string, std::string>>;
using Strings = std::vector<std::string>;
using Indices = std::map<std::string, int32_t>;

/// The built-in plugins only: the build tree's plugin folder, never CLASSFLOW_PLUGIN_PATH.
const Registry& registry() {
  static const Registry reg(RegistryOptions{{}, false, true});
  return reg;
}

const char* reason_name(int32_t reason) {
  switch (reason) {
    case CF_SKIP_UNSUPPORTED_EXTENSION:
      return "extension";
    case CF_SKIP_MISSING_FILE:
      return "missing";
    case CF_SKIP_BROKEN_LINK:
      return "broken link";
    case CF_SKIP_UNREADABLE:
      return "unreadable";
    default:
      return "other";
  }
}

/// Everything the source reported, in order, one readable line per call:
/// "class N", "keep_class_order", "sample a.png <N,G>", "values 1 0 1", "skip x.png (missing '')".
struct SourceRun {
  int32_t rc = CF_OK;
  std::string message;
  Strings events;

  static SourceRun& self(void* ctx) { return *static_cast<SourceRun*>(ctx); }
  static void add_class(void* ctx, const char* name) { self(ctx).events.push_back("class " + std::string(name)); }
  static void add_sample(void* ctx, const char* path, const char* const* names, size_t n) {
    std::string classes;
    for (size_t i = 0; i < n; ++i) classes += (i ? "," : "") + std::string(names[i]);
    self(ctx).events.push_back("sample " + std::string(path) + " <" + classes + ">");
  }
  static void add_values(void* ctx, const float* values, size_t n) {
    std::string line = "values";
    for (size_t i = 0; i < n; ++i) {
      char text[32];
      std::snprintf(text, sizeof text, " %g", static_cast<double>(values[i]));
      line += text;
    }
    self(ctx).events.push_back(line);
  }
  static void add_skipped(void* ctx, const char* path, int32_t reason, const char* detail) {
    self(ctx).events.push_back("skip " + std::string(path) + " (" + reason_name(reason) + " '" + std::string(detail) +
                               "')");
  }
  static void keep_class_order(void* ctx) { self(ctx).events.push_back("keep_class_order"); }
};

/// Calls the csv source's scan directly, with the extensions a jpeg + png build claims.
SourceRun run_source(const std::string& root, const Options& options = {}, const Strings& classes = {}) {
  const cf_source_vtable* v = registry().source("csv").vtable;
  const Strings extensions{".jpeg", ".jpg", ".png"};
  std::vector<const char*> ext, cls;
  for (const auto& e : extensions) ext.push_back(e.c_str());
  for (const auto& c : classes) cls.push_back(c.c_str());
  std::vector<cf_option> opts;
  for (const auto& [k, val] : options) opts.push_back({k.c_str(), val.c_str()});
  cf_scan_request req{
      sizeof(cf_scan_request), root.c_str(), ext.data(), ext.size(), cls.data(), cls.size(), opts.data(), opts.size()};
  SourceRun run;
  cf_scan_sink sink{sizeof(cf_scan_sink),        &run,
                    &SourceRun::add_class,       &SourceRun::add_sample,
                    &SourceRun::add_values,      &SourceRun::add_skipped,
                    &SourceRun::keep_class_order};
  cf_status st{};
  st.struct_size = sizeof(st);
  run.rc = v->scan(&req, &sink, &st);
  run.message = st.message;
  return run;
}

ScanOptions csv_options(const std::string& root, const Options& source_options = {}) {
  ScanOptions o;
  o.root = root;
  o.source = "csv";
  o.source_options = source_options;
  return o;
}

classflow::Dataset scan(const ScanOptions& o) { return classflow::scan_dataset(registry(), o); }

Indices indices_of(const classflow::Dataset& ds) {
  Indices out;
  for (const auto& name : ds.class_index.class_names()) out[name] = ds.class_index.index_of(name);
  return out;
}

/// Labels of every sample of `ds` from encoder `mode`, as float32 values.
std::vector<float> labels_of(const classflow::Dataset& ds, const std::string& mode, const Options& options = {}) {
  auto encoder = registry().make_encoder(mode, ds.class_index.class_names(), options);
  std::vector<int32_t> ids;
  std::vector<int64_t> offsets{0};
  std::vector<float> values;
  int64_t width = 0;
  for (const auto& s : ds.samples) {
    ids.insert(ids.end(), s.class_ids.begin(), s.class_ids.end());
    offsets.push_back(static_cast<int64_t>(ids.size()));
    values.insert(values.end(), s.values.begin(), s.values.end());
    width = static_cast<int64_t>(s.values.size());
  }
  std::vector<float> out(ds.samples.size() * encoder->label_desc().num_bytes() / sizeof(float));
  encoder->encode(ids.data(), offsets.data(), ds.num_samples(), out.data(), out.size() * sizeof(float),
                  values.empty() ? nullptr : values.data(), width);
  return out;
}

Strings skipped_lines(const classflow::Dataset& ds) {
  Strings out;
  for (const auto& s : ds.skipped) out.push_back(s.path + " (" + reason_name(s.reason) + " '" + s.detail + "')");
  return out;
}

/// A labels file at `rel` naming files that all exist (touched next to it).
std::string write_listed(const TempDir& t, const std::string& rel, const std::string& header, const Strings& rows,
                         const Strings& files) {
  for (const auto& f : files) t.touch(f);
  std::string text = header + "\n";
  for (const auto& r : rows) text += r + "\n";
  return t.write_file(rel, text);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Source level: the exact calls the plugin makes.

TEST_CASE("csv: probe claims .csv files (any case) and leaves folders to the directory source", "[csv]") {
  TempDir t;
  t.touch("labels.csv");
  t.touch("UPPER.CSV");
  t.touch("labels.txt");
  t.mkdir("folder.csv");
  const cf_source_vtable* v = registry().source("csv").vtable;
  CHECK(v->probe(t.path("labels.csv").c_str()) == 100);
  CHECK(v->probe(t.path("UPPER.CSV").c_str()) == 100);
  CHECK(v->probe(t.path("labels.txt").c_str()) == 0);
  CHECK(v->probe(t.path("folder.csv").c_str()) == 0);
  CHECK(v->probe(t.path().c_str()) == 0);
  // A missing .csv is claimed weakly, so the user hears "labels file ... does not exist".
  CHECK(v->probe(t.path("missing.csv").c_str()) == 1);
  CHECK(v->flags == 0u);  // row order is the canonical order: no grouping by class
  CHECK(registry().source_for(t.path("labels.csv")).vtable == v);
  CHECK(registry().source_for(t.path()).vtable->name == std::string("directory"));
}

TEST_CASE("csv: one class per row, rows in file order, missing and unclaimed files are skipped", "[csv]") {
  TempDir t;
  t.touch("a/1.png");
  t.touch("b/2.png");
  t.touch("a/notes.txt");
  t.mkdir("a/folder.png");
  t.symlink("nowhere.png", "a/dangling.png");
  t.write_file("labels.csv",
               "filename,class\n"
               "b/2.png,b\n"
               "a/1.png,a\n"
               "a/gone.png,a\n"
               "c/x.png,c\n"
               "a/notes.txt,a\n"
               "a/folder.png,a\n"
               "a/dangling.png,a\n");
  CHECK(run_source(t.path("labels.csv")).events ==
        Strings{"sample b/2.png <b>", "sample a/1.png <a>", "skip a/gone.png (missing '')", "class a",
                "skip c/x.png (missing '')", "class c", "skip a/notes.txt (extension '.txt')", "class a",
                "skip a/folder.png (other 'not a regular file')", "class a", "skip a/dangling.png (broken link '')",
                "class a"});
  SECTION("validate_filenames=0 trusts the list") {
    CHECK(run_source(t.path("labels.csv"), {{"validate_filenames", "0"}}).events ==
          Strings{"sample b/2.png <b>", "sample a/1.png <a>", "sample a/gone.png <a>", "sample c/x.png <c>",
                  "sample a/notes.txt <a>", "sample a/folder.png <a>", "sample a/dangling.png <a>"});
  }
}

TEST_CASE("csv: y_cols are classes in column order with 0/1 values, raw=1 reads numbers (BR-19)", "[csv]") {
  TempDir t;
  write_listed(t, "labels.csv", "file,N,D,G", {"a.png,1,0,1", "b.png,0,1,0", "c.png,0,0,0"},
               {"a.png", "b.png", "c.png"});
  CHECK(run_source(t.path("labels.csv"), {{"x_col", "file"}, {"y_cols", "N,D,G"}}).events ==
        Strings{"class N", "class D", "class G", "keep_class_order", "sample a.png <N,G>", "values 1 0 1",
                "sample b.png <D>", "values 0 1 0", "sample c.png <>", "values 0 0 0"});
  // Order of y_cols, not of the header.
  CHECK(run_source(t.path("labels.csv"), {{"x_col", "file"}, {"y_cols", "G,N"}}).events ==
        Strings{"class G", "class N", "keep_class_order", "sample a.png <G,N>", "values 1 1", "sample b.png <>",
                "values 0 0", "sample c.png <>", "values 0 0"});

  t.write_file("values.csv", "filename,w,h\na.png,0.5,-2\nb.png, 1e3 ,7\n");
  CHECK(run_source(t.path("values.csv"), {{"y_cols", "w,h"}, {"raw", "1"}}).events ==
        Strings{"sample a.png <>", "values 0.5 -2", "sample b.png <>", "values 1000 7"});
  CHECK(run_source(t.path("values.csv"), {{"y_col", "h"}, {"raw", "1"}, {"labels", "0"}}).events ==
        Strings{"sample a.png <>", "values -2", "sample b.png <>", "values 7"});
}

TEST_CASE("csv: a delimited cell holds 0..n classes, trimmed, empty parts dropped", "[csv]") {
  TempDir t;
  write_listed(t, "labels.csv", "filename,tags", {"a.png,N|G", "b.png, D ||", "c.png,", "d.png,G|G|N"},
               {"a.png", "b.png", "c.png", "d.png"});
  CHECK(run_source(t.path("labels.csv"), {{"y_col", "tags"}, {"label_delimiter", "|"}}).events ==
        Strings{"sample a.png <N,G>", "sample b.png <D>", "sample c.png <>", "sample d.png <G,N>"});
}

TEST_CASE("csv: labels=0 reads no label column", "[csv]") {
  TempDir t;
  write_listed(t, "labels.csv", "filename", {"x.png", "y.png"}, {"x.png", "y.png"});
  CHECK(run_source(t.path("labels.csv"), {{"labels", "0"}}).events == Strings{"sample x.png <>", "sample y.png <>"});
}

TEST_CASE("csv: fields are RFC 4180 and taken byte for byte (quotes, spaces, CRLF, BOM, UTF-8)", "[csv]") {
  TempDir t;
  t.touch("a,b.png");
  t.touch(" spaced .png");
  t.touch("caf\xC3\xA9/\xE7\x8C\xAB_01.png");
  t.touch("q\"uote.png");
  t.write_file("labels.csv",
               "\xEF\xBB\xBF"
               "filename,class\r\n"
               "\"a,b.png\",\"multi\nline\"\r\n"
               "\r\n"
               " spaced .png,x y\r\n"
               "caf\xC3\xA9/\xE7\x8C\xAB_01.png,caf\xC3\xA9\r\n"
               "\"q\"\"uote.png\",q");  // no final line break
  CHECK(run_source(t.path("labels.csv")).events == Strings{"sample a,b.png <multi\nline>", "sample  spaced .png <x y>",
                                                           "sample caf\xC3\xA9/\xE7\x8C\xAB_01.png <caf\xC3\xA9>",
                                                           "sample q\"uote.png <q>"});
}

TEST_CASE("csv: paths start at `directory` (default the labels file's folder), absolute paths stay", "[csv]") {
  TempDir t;
  t.touch("images/a/1.png");
  t.touch("elsewhere/2.png");
  const std::string absolute = t.path("elsewhere/2.png");
  t.write_file("lists/labels.csv", "filename,class\na/1.png,a\n" + absolute + ",b\n");
  // With `directory`, paths must stay inside it; absolute ones only when allowed explicitly.
  const auto confined = run_source(t.path("lists/labels.csv"), {{"directory", t.path("images")}});
  CHECK(confined.rc == CF_ERROR_DATA);
  CHECK(confined.message == "labels file '" + t.path("lists/labels.csv") + "' line 3 column 'filename' holds the "
                                "absolute path '" + absolute + "' while option 'directory' is '" + t.path("images") +
                                "'; expected a path inside that folder (or allow_absolute_paths=1, "
                                "--allow-absolute-paths)");
  CHECK(run_source(t.path("lists/labels.csv"), {{"directory", t.path("images")}, {"allow_absolute_paths", "1"}})
            .events == Strings{"sample a/1.png <a>", "sample " + absolute + " <b>"});
  // Without `directory`, a/1.png is looked up next to the labels file.
  CHECK(run_source(t.path("lists/labels.csv")).events ==
        Strings{"skip a/1.png (missing '')", "class a", "sample " + absolute + " <b>"});
}

// ---------------------------------------------------------------------------------------------
// Errors: every message names the file, and the line and column where there is one.

TEST_CASE("csv: malformed files and cells are data errors naming file, line and column", "[csv]") {
  TempDir t;
  const std::string f = t.path("labels.csv");
  auto [text, options, message] = GENERATE(table<std::string, Options, std::string>({
      {"filename,class\na.png,a\nb\"x.png,b\n",
       {},
       "labels file '{F}' line 3 is not valid CSV (error parsing data while strict checking enabled); expected "
       "comma-separated fields with RFC 4180 quoting (a quoted field ends right before ',' or the line end; \"\" "
       "is a quote inside it)"},
      {"filename,class\n\"a.png\"x,a\n",
       {},
       "labels file '{F}' line 2 is not valid CSV (error parsing data while strict checking enabled); expected "
       "comma-separated fields with RFC 4180 quoting (a quoted field ends right before ',' or the line end; \"\" "
       "is a quote inside it)"},
      {"filename,class\na.png,a\n\"b.png,b\nc.png,c\n",
       {},
       "labels file '{F}' line 3 has a quoted field that is not closed before the end of the file; expected a "
       "closing '\"'"},
      {"filename,class\n\"a\n\n.png\",a\nb.png\n",
       {},
       "labels file '{F}' line 5 has 1 fields (column 'class' is missing); expected 2 as in the header: "
       "filename, class"},
      {"filename,class\na.png,a,extra\n",
       {},
       "labels file '{F}' line 2 has 3 fields (column 3 is not in the header); expected 2 as in the header: "
       "filename, class"},
      {"filename,class\na.png,a\n\nb.png,\n",
       {},
       "labels file '{F}' line 4 column 'class' is empty; expected a class name (or load the files without "
       "labels)"},
      {"filename,class\n,a\n", {}, "labels file '{F}' line 2 column 'filename' is empty; expected an image path"},
      {"file,label\na.png,a\n",
       {},
       "labels file '{F}' has no column 'filename' (option x_col); expected one of the header's columns: file, "
       "label"},
      {"file,label\na.png,a\n",
       {{"x_col", "file"}},
       "labels file '{F}' has no column 'class' (option y_col); expected one of the header's columns: file, label"},
      {"file,N,D\na.png,1,0\n",
       {{"x_col", "file"}, {"y_cols", "N,G"}},
       "labels file '{F}' has no column 'G' (option y_cols); expected one of the header's columns: file, N, D"},
      {"filename,class,class\na.png,a,b\n",
       {},
       "labels file '{F}' line 1 has column 'class' twice (columns 2 and 3); expected unique names for the "
       "columns in use"},
      {"file,N,D,G\na.png,1,0,1\nb.png,0,2,0\n",
       {{"x_col", "file"}, {"y_cols", "N,D,G"}},
       "labels file '{F}' line 3 column 'D' holds '2'; expected 0 or 1"},
      {"file,N,D,G\na.png,1,0,1.0\n",
       {{"x_col", "file"}, {"y_cols", "N,D,G"}},
       "labels file '{F}' line 2 column 'G' holds '1.0'; expected 0 or 1"},
      {"file,N,D,G\na.png,1,,1\n",
       {{"x_col", "file"}, {"y_cols", "N,D,G"}},
       "labels file '{F}' line 2 column 'D' holds ''; expected 0 or 1"},
      {"filename,w\na.png,abc\n",
       {{"y_col", "w"}, {"raw", "1"}},
       "labels file '{F}' line 2 column 'w' holds 'abc'; expected a finite number"},
      {"filename,w\na.png,nan\n",
       {{"y_col", "w"}, {"raw", "1"}},
       "labels file '{F}' line 2 column 'w' holds 'nan'; expected a finite number"},
      {"filename,w\na.png,1e39\n",  // beyond float32
       {{"y_col", "w"}, {"raw", "1"}},
       "labels file '{F}' line 2 column 'w' holds '1e39'; expected a finite number"},
      {"", {}, "labels file '{F}' is empty; expected a header row naming the columns, e.g. filename,class"},
  }));
  t.write_file("labels.csv", text);
  std::string expected = message;
  expected.replace(expected.find("{F}"), 3, f);
  const SourceRun run = run_source(f, options);
  CHECK(run.rc == CF_ERROR_DATA);
  CHECK(run.message == expected);
  // Through the core: a data error (exit 3) with the same text.
  CHECK_THROWS_MATCHES(scan(csv_options(f, options)), DataError, Catch::Message(expected));
}

TEST_CASE("csv: a missing labels file or `directory` is a data error, bad options are usage errors", "[csv]") {
  TempDir t;
  t.write_file("labels.csv", "filename,class\n");
  t.touch("plain.txt");
  CHECK_THROWS_MATCHES(scan(csv_options(t.path("missing.csv"))), DataError,
                       Catch::Message("labels file '" + t.path("missing.csv") +
                                      "' does not exist; expected a CSV file with a header row, e.g. filename,class"));
  // Picked by probe alone too (no --source).
  ScanOptions guessed;
  guessed.root = t.path("missing.csv");
  CHECK_THROWS_WITH(scan(guessed), Contains("labels file '" + t.path("missing.csv") + "' does not exist"));
  CHECK_THROWS_MATCHES(scan(csv_options(t.path())), DataError,
                       Catch::Message("labels file '" + t.path() +
                                      "' is not a file; expected a CSV file with a header row, e.g. filename,class"));
  CHECK_THROWS_MATCHES(scan(csv_options(t.path("labels.csv"), {{"directory", t.path("nope")}})), DataError,
                       Catch::Message("option 'directory' value '" + t.path("nope") +
                                      "' is not a folder; expected the folder the paths in '" + t.path("labels.csv") +
                                      "' are relative to"));

  auto [options, message] = GENERATE(table<Options, std::string>({
      {{{"y_col", "a"}, {"y_cols", "b"}},
       "options 'y_col' and 'y_cols' are both given; expected y_col for one label column or y_cols for several"},
      {{{"y_cols", "N,,G"}},
       "option 'y_cols' value 'N,,G' has an empty column name; expected comma-separated column names, e.g. "
       "y_cols=N,D,G"},
      {{{"y_cols", "N,D,N"}}, "option 'y_cols' value 'N,D,N' names column 'N' twice; expected each column once"},
      {{{"y_cols", "N"}, {"label_delimiter", "|"}},
       "option 'label_delimiter' does not apply with y_cols; expected label_delimiter with one y_col"},
      {{{"label_delimiter", ""}}, "option 'label_delimiter' value '' is empty; expected a separator such as '|'"},
      {{{"validate_filenames", "yes"}},
       "option 'validate_filenames' value 'yes' is not a boolean; expected one of: 1, 0, true, false"},
      {{{"x_col", ""}}, "option 'x_col' value '' is empty; expected a column name"},
      {{{"ycol", "a"}},
       "unknown option 'ycol' for source 'csv'; expected one of: directory, x_col, y_col, y_cols, label_delimiter, "
       "validate_filenames, labels, raw, follow_links, allow_absolute_paths"},
  }));
  CHECK_THROWS_MATCHES(scan(csv_options(t.path("labels.csv"), options)), UsageError, Catch::Message(message));
}

// ---------------------------------------------------------------------------------------------
// Dataset level: the mapping, labels and splits users see.

TEST_CASE("csv: classes are sorted by bytes like folders, never by first appearance", "[csv]") {
  TempDir t;
  const std::string f = write_listed(t, "labels.csv", "filename,class", {"1.png,c", "2.png,a", "3.png,b", "4.png,B"},
                                     {"1.png", "2.png", "3.png", "4.png"});
  const auto ds = scan(csv_options(f));
  CHECK(ds.source == "csv");
  CHECK(ds.class_index.class_names() == Strings{"B", "a", "b", "c"});
  CHECK(ds.filenames() == Strings{"1.png", "2.png", "3.png", "4.png"});  // file order kept
  CHECK(ds.classes() == std::vector<int32_t>{3, 1, 2, 0});
  // The same rule as folders, class_order included.
  const std::string g = write_listed(t, "numbers.csv", "filename,class", {"1.png,c10", "2.png,c2", "3.png,c1"}, {});
  CHECK(scan(csv_options(g)).class_index.class_names() == Strings{"c1", "c10", "c2"});
  ScanOptions natural = csv_options(g);
  natural.class_order = classflow::ClassOrder::natural;
  CHECK(scan(natural).class_index.class_names() == Strings{"c1", "c2", "c10"});
}

TEST_CASE("csv: an explicit class list keeps its order, other rows are filtered (BR-08)", "[csv]") {
  TempDir t;
  const std::string f = write_listed(t, "labels.csv", "file,label", {"a/1.png,a", "b/1.png,b", "c/1.png,c"},
                                     {"a/1.png", "b/1.png", "c/1.png"});
  ScanOptions o = csv_options(f, {{"x_col", "file"}, {"y_col", "label"}});
  o.classes = {"b", "a"};
  const auto ds = scan(o);
  CHECK(indices_of(ds) == Indices{{"b", 0}, {"a", 1}});
  CHECK(ds.class_index.class_names() == Strings{"b", "a"});
  CHECK(ds.filtered == 1);
  CHECK(ds.filenames() == Strings{"a/1.png", "b/1.png"});
  CHECK(ds.classes() == std::vector<int32_t>{1, 0});  // the b image gets label 0
  CHECK(labels_of(ds, "categorical") == std::vector<float>{0, 1, 1, 0});
}

TEST_CASE("csv: multi-label from 0/1 columns and from a delimited column (BR-19)", "[csv]") {
  TempDir t;
  t.touch("a.png");
  t.touch("b.png");
  t.touch("c.png");
  SECTION("columns: classes in column order") {
    t.write_file("labels.csv", "file,N,D,G\na.png,1,0,1\nb.png,0,1,0\nc.png,0,0,0\n");
    const auto ds = scan(csv_options(t.path("labels.csv"), {{"x_col", "file"}, {"y_cols", "N,D,G"}}));
    CHECK(indices_of(ds) == Indices{{"N", 0}, {"D", 1}, {"G", 2}});
    CHECK(ds.class_index.class_names() == Strings{"N", "D", "G"});
    CHECK(labels_of(ds, "multi_hot") == std::vector<float>{1, 0, 1, 0, 1, 0, 0, 0, 0});
    CHECK(ds.classes() == std::vector<int32_t>{0, 1, -1});
    // class_mode raw reads the same columns as numbers.
    CHECK(labels_of(ds, "raw", {{"width", "3"}}) == std::vector<float>{1, 0, 1, 0, 1, 0, 0, 0, 0});
  }
  SECTION("delimited: classes sorted") {
    t.write_file("labels.csv", "file,tags\na.png,N|G\nb.png,D\nc.png,\n");
    const auto ds =
        scan(csv_options(t.path("labels.csv"), {{"x_col", "file"}, {"y_col", "tags"}, {"label_delimiter", "|"}}));
    CHECK(indices_of(ds) == Indices{{"D", 0}, {"G", 1}, {"N", 2}});
    CHECK(ds.class_index.class_names() == Strings{"D", "G", "N"});
    CHECK(labels_of(ds, "multi_hot") == std::vector<float>{0, 1, 1, 1, 0, 0, 0, 0, 0});
  }
  SECTION("a cell that is not 0/1 names its line and column") {
    t.write_file("labels.csv", "file,N,D,G\na.png,1,0,1\nb.png,0,2,0\nc.png,0,0,0\n");
    CHECK_THROWS_MATCHES(
        scan(csv_options(t.path("labels.csv"), {{"x_col", "file"}, {"y_cols", "N,D,G"}})), DataError,
        Catch::Message("labels file '" + t.path("labels.csv") + "' line 3 column 'D' holds '2'; expected 0 or 1"));
  }
}

TEST_CASE("csv: raw values pass through unchanged with no class index", "[csv]") {
  TempDir t;
  const std::string f =
      write_listed(t, "labels.csv", "filename,x,y", {"a.png,0.25,-3", "b.png,1e-3,42", "c.png,1e-45,-1e-300"},
                   {"a.png", "b.png", "c.png"});
  ScanOptions o = csv_options(f, {{"y_cols", "x,y"}, {"raw", "1"}});
  o.labels = false;  // no classes: what class_mode raw scans with
  const auto ds = scan(o);
  CHECK(ds.class_index.empty());
  CHECK_FALSE(ds.labelled);
  CHECK(ds.filenames() == Strings{"a.png", "b.png", "c.png"});
  // Below float32's range: NumPy's float32 of it (the smallest denormal; -0), not an error.
  const std::vector<float> want{0.25f, -3.0f, 1e-3f, 42.0f, std::numeric_limits<float>::denorm_min(), -0.0f};
  CHECK(labels_of(ds, "raw", {{"width", "2"}}) == want);
}

TEST_CASE("csv: validation split is per class and seeded, whatever the row order (BR-15 b)", "[csv]") {
  TempDir t;
  Strings rows, files;
  for (int i = 0; i < 100; ++i) {
    const std::string name = (i < 50 ? "A" : "B") + std::to_string(i % 50) + ".png";
    rows.push_back(name + "," + (i < 50 ? "A" : "B"));
    files.push_back(name);
  }
  const std::string f = write_listed(t, "labels.csv", "filename,class", rows, files);
  const auto subset = [&](classflow::Subset which, uint32_t seed) {
    ScanOptions o = csv_options(f);
    o.validation_split = 0.2;
    o.subset = which;
    o.seed = seed;
    return scan(o);
  };
  const auto validation = subset(classflow::Subset::validation, 3);
  const auto training = subset(classflow::Subset::training, 3);
  CHECK(validation.class_counts() == std::vector<int64_t>{10, 10});
  CHECK(training.class_counts() == std::vector<int64_t>{40, 40});
  std::set<std::string> all;
  for (const auto& p : validation.filenames()) all.insert(p);
  for (const auto& p : training.filenames()) CHECK(all.insert(p).second);  // disjoint
  CHECK(all == std::set<std::string>(files.begin(), files.end()));         // covering
  // Not the leading rows of each class.
  const Strings head{"A0.png", "A1.png", "A2.png", "A3.png", "A4.png",
                     "A5.png", "A6.png", "A7.png", "A8.png", "A9.png"};
  const Strings chosen = validation.filenames();
  const Strings first_a(chosen.begin(), chosen.begin() + 10);
  CHECK(first_a != head);
  CHECK(subset(classflow::Subset::validation, 3).filenames() == validation.filenames());
  CHECK(subset(classflow::Subset::validation, 4).filenames() != validation.filenames());
}

TEST_CASE("csv: binary with 3 classes fails naming them, as for folders (BR-17)", "[csv]") {
  TempDir t;
  const std::string f =
      write_listed(t, "labels.csv", "filename,class", {"1.png,c", "2.png,a", "3.png,b"}, {"1.png", "2.png", "3.png"});
  const auto ds = scan(csv_options(f));
  CHECK_THROWS_MATCHES(registry().make_encoder("binary", ds.class_index.class_names()), DataError,
                       Catch::Message("class_mode 'binary' needs exactly 2 classes; found 3: a, b, c; expected 2: "
                                      "choose two with classes=[...] (--classes A,B), or class_mode 'categorical'"));
}

TEST_CASE("csv: missing files are counted in skipped with their paths, their class keeps its index", "[csv]") {
  TempDir t;
  Strings rows, files;
  for (int i = 0; i < 5; ++i) {
    rows.push_back("cat/" + std::to_string(i) + ".png,cat");
    files.push_back("cat/" + std::to_string(i) + ".png");
  }
  for (const char* gone : {"cat/gone1.png,cat", "dog/gone2.png,dog", "nowhere/gone3.png,cat"}) rows.push_back(gone);
  t.touch("dog/here.png");
  rows.push_back("dog/here.png,dog");
  const std::string f = write_listed(t, "labels.csv", "filename,class", rows, files);
  const auto ds = scan(csv_options(f));
  CHECK(ds.num_samples() == 6);
  CHECK(skipped_lines(ds) ==
        Strings{"cat/gone1.png (missing '')", "dog/gone2.png (missing '')", "nowhere/gone3.png (missing '')"});
  CHECK(std::all_of(ds.skipped.begin(), ds.skipped.end(),
                    [](const auto& s) { return s.reason == CF_SKIP_MISSING_FILE; }));
  CHECK(ds.skipped_summary() == std::map<std::string, std::map<std::string, int64_t>>{{"missing file", {{"", 3}}}});
  CHECK(indices_of(ds) == Indices{{"cat", 0}, {"dog", 1}});

  SECTION("a class whose every file is missing keeps its index; empty without --allow-empty is an error") {
    t.write_file("only.csv", "filename,class\ncat/0.png,cat\nemu/gone.png,emu\n");
    CHECK_THROWS_AS(scan(csv_options(t.path("only.csv"))), DataError);
    CHECK_THROWS_WITH(scan(csv_options(t.path("only.csv"))), Contains("'emu'"));
    ScanOptions o = csv_options(t.path("only.csv"));
    o.allow_empty = true;
    CHECK(indices_of(scan(o)) == Indices{{"cat", 0}, {"emu", 1}});
  }
}

TEST_CASE("csv: a listing of a folder tree in tree order equals the directory source", "[csv]") {
  TempDir t;
  const Strings tree{"ant/1.png", "ant/sub/2.png", "bee/x.jpg", "cat/a.png", "cat/b.png"};
  for (const auto& f : tree) t.touch("root/" + f);
  classflow::ScanOptions d;
  d.root = t.path("root");
  d.source = "directory";
  const auto folder = scan(d);

  std::string text = "filename,class\n";
  for (const auto& f : folder.filenames()) text += f + "," + f.substr(0, f.find('/')) + "\n";
  t.write_file("list/labels.csv", text);
  const auto listed = scan(csv_options(t.path("list/labels.csv"), {{"directory", t.path("root")}}));
  CHECK(folder.filenames() == tree);
  CHECK(listed.class_index == folder.class_index);
  CHECK(listed.filenames() == folder.filenames());
  CHECK(listed.classes() == folder.classes());
  CHECK(listed.skipped.empty());
}

TEST_CASE("csv: with `directory`, no listed path climbs out of it, and a NUL byte is refused", "[csv][hostile]") {
  TempDir t;
  t.touch("images/a/1.png");
  t.write_file("labels.csv", "filename,class\na/1.png,a\na/../../../etc/passwd.png,a\n");
  const auto escape = run_source(t.path("labels.csv"), {{"directory", t.path("images")}});
  CHECK(escape.rc == CF_ERROR_DATA);
  CHECK(escape.message == "labels file '" + t.path("labels.csv") + "' line 3 column 'filename' holds the path "
                              "'a/../../../etc/passwd.png', which leaves the folder '" + t.path("images") +
                              "' (option 'directory'); expected a path inside it");
  // A `..` that stays inside is fine.
  t.mkdir("images/b");
  t.write_file("inside.csv", "filename,class\nb/../a/1.png,a\n");
  CHECK(run_source(t.path("inside.csv"), {{"directory", t.path("images")}, {"validate_filenames", "0"}}).events ==
        Strings{"sample b/../a/1.png <a>"});
  t.write_file("nul.csv", std::string("filename,class\na/1.png,a\0b\n", 28));
  const auto nul = run_source(t.path("nul.csv"));
  CHECK(nul.rc == CF_ERROR_DATA);
  CHECK(nul.message == "labels file '" + t.path("nul.csv") + "' line 2 column 'class' holds a NUL byte; expected text");
}

TEST_CASE("csv: a list with a header and no rows says so, not that a folder has no class subfolders", "[csv]") {
  TempDir t;
  t.write_file("labels.csv", "filename,class\n");
  CHECK_THROWS_MATCHES(scan(csv_options(t.path("labels.csv"), {})), DataError,
                       Catch::Message("labels file '" + t.path("labels.csv") +
                                      "' names no class (0 rows of files); expected rows of a file and its class "
                                      "under a header, e.g. filename,class"));
}
