// classflow CLI: options shared by several subcommands and small output helpers.
#pragma once

#include <classflow/classflow.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <memory>
#include <string_view>
#include <string>
#include <utility>
#include <vector>

namespace classflow::cli {

/// Output format of a subcommand: human text or one JSON object on stdout.
enum class Format { text, json };

/// `--plugin-dir D` (repeatable) and the registry built from it.
struct PluginOptions {
  std::vector<std::string> plugin_dirs;
  std::vector<std::string> overrides;  // --plugin-override kind:name
  void add_to(CLI::App& app);
  /// Loads plugins: --plugin-dir folders, CLASSFLOW_PLUGIN_PATH, then the default folder.
  std::unique_ptr<Registry> make_registry() const;
};

/// Scan flags shared by `scan` and `flow` (class discovery, mapping, split, encoder).
struct ScanFlags {
  std::string root;
  std::vector<std::string> roots;  // check / report: ROOT [ROOT...]
  std::string source;
  std::string class_mode;  // "" = from --class-indices file, else categorical
  std::vector<std::string> classes;
  std::string class_order = "bytes";
  bool follow_links = false;
  bool allow_empty = false;
  std::string class_indices_file;
  std::string save_class_indices_file;
  std::string mapping_format = "classflow";
  std::vector<std::string> encoder_opts;
  std::vector<std::string> source_opts;
  double validation_split = 0.0;
  std::string subset = "all";
  std::string split_method = "random";
  uint32_t seed = 0;
  // CSV source (a .csv ROOT implies --source csv); passed to the source as options.
  std::string directory;
  std::string x_col;
  std::string y_col;
  std::vector<std::string> y_cols;
  std::string label_delimiter;
  bool raw = false;
  bool validate_filenames = false;
  bool no_validate_filenames = false;
  bool allow_absolute_paths = false;
  /// Adds the flags; `several_roots`: positional ROOT [ROOT...] into `roots` (check, report).
  void add_to(CLI::App& app, bool several_roots = false);
  /// One scan per root of `roots`, each as run_scan (same flags, same saved mapping).
  std::vector<LabelledDataset> scan_roots(const Registry& registry) const;
  /// --source-opt items plus the CSV flags, as source options.
  std::vector<std::pair<std::string, std::string>> source_options() const;
  /// The scan the flags ask for (spellings parsed by the core). @throws UsageError.
  ScanOptions to_scan_options() const;
  /// The label policy the flags ask for (loads --class-indices). @throws as load_mapping.
  LabelOptions to_label_options() const;
};

/// Loader flags shared by `flow` and `preview` (spelled as in the README's loader table).
struct LoaderFlags {
  std::string target_size = "256x256";
  std::string color_mode = "rgb";
  std::string interpolation = "nearest";
  bool keep_aspect_ratio = false;
  bool jpeg_draft = false;
  bool no_jpeg_draft = false;
  const CLI::Option* jpeg_draft_option = nullptr;  // given at all: --jpeg-draft=false is --no-jpeg-draft
  std::string cache;  // --cache DIR|memory
  std::string sampling = "uniform";  // --sampling uniform|balanced|weights:FILE
  int64_t samples_per_epoch = 0;     // --samples-per-epoch N
  std::string dtype = "float32";
  float rescale = 0.0f;
  std::string data_format = "channels_last";
  std::string alpha_background;  // "R,G,B"
  bool no_orientation = false;
  int batch_size = 32;
  bool shuffle = true;
  bool drop_last = false;
  int num_workers = 2;
  int prefetch = 2;
  std::string on_error = "raise";
  int64_t max_image_pixels = kDefaultMaxImagePixels;
  std::optional<int32_t> num_shards;
  std::optional<int32_t> shard_id;
  std::string shard_remainder = "pad";
  std::vector<std::string> augment;     // --augment key=value (Keras ImageDataGenerator names)
  std::vector<std::string> transforms;  // --transform NAME[:key=value,...]
  void add_to(CLI::App& app);
  /// @throws UsageError for a malformed value, naming the flag.
  LoaderOptions to_options(const ScanFlags& scan) const;
};

/// Scans as the flags ask (scan_labelled) and writes --save-class-indices.
LabelledDataset run_scan(const Registry& registry, const ScanFlags& flags);

/// The check of every option that names a file or folder: an empty value (an unset shell
/// variable, `--resume "$STATE"`) is a usage error, never taken as the option not given.
const CLI::Validator& path_check();
/// The same for --subset both (scan_labelled_split): one walk, one mapping.
LabelledSplit run_scan_split(const Registry& registry, const ScanFlags& flags);

/// Splits `key=value` items. @throws UsageError naming `flag` and the item without '='.
std::vector<std::pair<std::string, std::string>> parse_key_values(const std::vector<std::string>& items,
                                                                  const std::string& flag);

/// `text` for a terminal: control characters (bytes < 0x20, DEL, and UTF-8 C1 controls such as
/// CSI) become \xNN, so a class name or path cannot move the cursor or forge other lines. JSON
/// output needs none of this (the JSON writer escapes).
std::string printable(std::string_view text);
/// A line of filenames.txt: printable(), with backslashes doubled, so every name is exactly one
/// line and the escapes can be undone.
std::string escaped_line(std::string_view name);

/// Parses "text" | "json". @throws UsageError listing the choices.
Format parse_format(const std::string& text);

/// The mapping as a JSON object {"name": index, ...} in index order.
nlohmann::ordered_json class_indices_json(const ClassIndex& index);

/// Prints the Found line, class_mode, mapping table, binary line and skipped summary.
void print_scan_text(const Dataset& dataset, const LabelSpec& labels);
/// Prints the dataset's warnings to stderr.
void print_warnings(const Dataset& dataset);
/// A JSON document on stdout (invalid UTF-8 in names replaced, never an exception).
void print_json(const nlohmann::ordered_json& j);

/// Peak resident memory of this process so far, MiB (getrusage ru_maxrss).
double peak_rss_mib();
/// Current resident memory, MiB (/proc/self/statm).
double current_rss_mib();

/// `classflow check` flags (CheckOptions spelled for the command line).
struct CheckFlags {
  bool no_decode = false;
  std::string target_size;  // "" = no small-image check
  bool near_duplicates = false;
  int32_t near_threshold = 6;
  int32_t num_workers = 0;
  int64_t max_image_pixels = kDefaultMaxImagePixels;
  int64_t max_listed = 50;
  std::string format = "text";
  void add_to(CLI::App& app);
  CheckOptions to_options() const;
};
/// The datasets of `sets`, in order.
std::vector<Dataset> datasets_of(const std::vector<LabelledDataset>& sets);
int run_check_command(const PluginOptions& plugins, const ScanFlags& scan, const CheckFlags& flags);
/// `classflow report` flags.
struct ReportFlags {
  CheckFlags check;
  std::string output;
  int32_t thumbnails = 8;
  std::string title;
};
int run_report_command(const PluginOptions& plugins, const ScanFlags& scan, const ReportFlags& flags);
int run_scan_command(const PluginOptions& plugins, const ScanFlags& flags, const std::string& format);
int run_plugins_command(const PluginOptions& plugins, const std::string& format);
struct DecodeFlags {
  std::string class_indices_file;
  std::string class_mode;
  int top_k = 1;
  std::optional<double> threshold;
  std::vector<std::string> encoder_opts;
  std::string predictions;
  std::string filenames;  // --filenames: one name per prediction row
  std::string format = "csv";
};
int run_decode_command(const PluginOptions& plugins, const DecodeFlags& flags);
struct FlowFlags {
  int64_t epochs = 1;
  std::string export_dir;
  std::string format = "text";
  bool dump_labels = false;
  int64_t stop_after_batches = 0;  // --stop-after-batches K (0: run to the end)
  std::string save_state;          // --save-state FILE
  std::string resume;              // --resume FILE
  bool profile = false;            // --profile: time per stage, time to the first batch, RSS per stage
};
int run_flow_command(const PluginOptions& plugins, const ScanFlags& scan, const LoaderFlags& loader,
                     const FlowFlags& flow);
int run_preview_command(const PluginOptions& plugins, const ScanFlags& scan, const LoaderFlags& loader,
                        const std::string& output, int64_t batch_index, int64_t augmented = 1);

}  // namespace classflow::cli
