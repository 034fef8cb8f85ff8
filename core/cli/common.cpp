#include "common.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <iostream>

namespace classflow::cli {

const CLI::Validator& path_check() {
  static const CLI::Validator check(
      [](std::string& value) { return value.empty() ? std::string("an empty path; expected a file or folder name") : ""; },
      "PATH");
  return check;
}

void PluginOptions::add_to(CLI::App& app) {
  app.add_option("--plugin-dir", plugin_dirs,
                 "Folder searched for classflow_*.so plugins first (repeatable); then CLASSFLOW_PLUGIN_PATH, "
                 "then the installed plugin folder")
      ->allow_extra_args(false)
      ->check(path_check());
  app.add_option("--plugin-override", overrides,
                 "Let a plugin replace the built-in kind:name (e.g. encoder:categorical); otherwise a plugin "
                 "registering a built-in name is refused (repeatable)")
      ->allow_extra_args(false);
}

std::unique_ptr<Registry> PluginOptions::make_registry() const {
  RegistryOptions o;
  o.plugin_dirs = plugin_dirs;
  o.overrides = overrides;
  auto registry = std::make_unique<Registry>(o);
  for (const auto& w : registry->warnings()) std::cerr << "warning: " << printable(w) << "\n";
  return registry;
}

void ScanFlags::add_to(CLI::App& app, bool several_roots) {
  if (several_roots)
    app.add_option("ROOT", roots, "Dataset roots (e.g. train, valid and test folders), compared with each other")
        ->required();
  else
    app.add_option("ROOT", root, "Dataset root: a folder with one subfolder per class")->required();
  app.add_option("--source", source, "Source plugin (default: chosen by probing ROOT)");
  app.add_option("--class-mode", class_mode,
                 "Label encoder: categorical, binary, sparse, any plugin encoder, input or none "
                 "(default categorical, or the class_mode saved in --class-indices)");
  app.add_option("--classes", classes, "Explicit classes, comma-separated; their order gives the indices")
      ->delimiter(',')
      ->allow_extra_args(false);
  app.add_option("--class-order", class_order, "Order of discovered classes: bytes (Python sorted) or natural")
      ->capture_default_str();
  app.add_flag("--follow-links", follow_links, "Follow symlinked folders (loops are detected)");
  app.add_flag("--allow-empty", allow_empty, "Keep classes without images (they keep their index)");
  app.add_option("--class-indices", class_indices_file,
                 "Enforce a saved mapping (class_indices.json, a Keras dict or a class_names list)")
      ->check(path_check());
  app.add_option("--save-class-indices", save_class_indices_file, "Write the mapping to this JSON file")
      ->check(path_check());
  app.add_option("--mapping-format", mapping_format, "Format of --save-class-indices: classflow or keras")
      ->capture_default_str();
  app.add_option("--encoder-opt", encoder_opts, "Encoder option key=value (repeatable)")->allow_extra_args(false);
  app.add_option("--source-opt", source_opts, "Source option key=value (repeatable)")->allow_extra_args(false);
  app.add_option("--validation-split", validation_split, "Fraction held out per class, 0 <= F < 1");
  app.add_option("--subset", subset, "With --validation-split: training or validation")->capture_default_str();
  app.add_option("--split-method", split_method, "random (seeded, per class) or head (Keras 1.x)")
      ->capture_default_str();
  app.add_option("--seed", seed, "Seed of the split and shuffle permutations")->capture_default_str();
  app.add_option("--directory", directory, "CSV: folder the file paths are relative to (default: the CSV's folder)")
      ->check(path_check());
  app.add_option("--x-col", x_col, "CSV: column holding the file path (default filename)");
  app.add_option("--y-col", y_col, "CSV: column holding the class (default class)");
  app.add_option("--y-cols", y_cols, "CSV: several 0/1 label columns, comma-separated (multi-label)")
      ->delimiter(',')
      ->allow_extra_args(false);
  app.add_flag("--raw", raw, "CSV: --y-col/--y-cols hold numbers (regression targets), no classes");
  app.add_option("--label-delimiter", label_delimiter, "CSV: one column holding several classes split by this");
  app.add_flag("--validate-filenames", validate_filenames,
               "CSV: check that listed files exist, one listing per folder (the default)");
  app.add_flag("--no-validate-filenames", no_validate_filenames, "CSV: do not check that listed files exist");
  app.add_flag("--allow-absolute-paths", allow_absolute_paths,
               "CSV with --directory: accept absolute paths (otherwise every path must stay inside --directory)");
}

std::vector<std::pair<std::string, std::string>> ScanFlags::source_options() const {
  auto out = parse_key_values(source_opts, "--source-opt");
  if (!directory.empty()) out.emplace_back("directory", directory);
  if (!x_col.empty()) out.emplace_back("x_col", x_col);
  if (!y_col.empty()) out.emplace_back("y_col", y_col);
  if (!y_cols.empty()) {
    std::string joined;
    for (const auto& c : y_cols) joined += (joined.empty() ? "" : ",") + c;
    out.emplace_back("y_cols", joined);
  }
  if (!label_delimiter.empty()) out.emplace_back("label_delimiter", label_delimiter);
  if (raw) out.emplace_back("raw", "1");
  if (allow_absolute_paths) out.emplace_back("allow_absolute_paths", "1");
  if (no_validate_filenames) out.emplace_back("validate_filenames", "0");
  else if (validate_filenames) out.emplace_back("validate_filenames", "1");
  return out;
}

void LoaderFlags::add_to(CLI::App& app) {
  app.add_option("--target-size", target_size, "Output size HxW (height x width), e.g. 224x224")->capture_default_str();
  app.add_option("--color-mode", color_mode, "rgb, rgba or grayscale")->capture_default_str();
  app.add_option("--interpolation", interpolation,
                 "nearest, bilinear, bicubic, lanczos, box, hamming (Pillow's pixels), area, linear_fast (OpenCV)")
      ->capture_default_str();
  app.add_option("--sampling", sampling,
                 "uniform (every sample once), balanced (classes equally likely, with replacement) or weights:FILE")
      ->capture_default_str();
  app.add_option("--samples-per-epoch", samples_per_epoch, "Draws per epoch with balanced / weights (default: N)");
  app.add_option("--cache", cache,
                 "Keep each resized image after its first decode: 'memory', or a folder reused by later runs")
      ->check(path_check());
  jpeg_draft_option = app.add_flag("--jpeg-draft", jpeg_draft,
               "Decode JPEGs at 1/2, 1/4 or 1/8 scale while still >= target (Pillow's draft(): fastest, other pixels)");
  app.add_flag("--no-jpeg-draft", no_jpeg_draft,
               "Never decode JPEGs scaled (the default, but for area and linear_fast): bit-exact with Pillow");
  app.add_flag("--keep-aspect-ratio", keep_aspect_ratio, "Centre-crop to the target aspect before resizing (Keras)");
  app.add_option("--dtype", dtype, "Image dtype: uint8 or float32 (0..255)")->capture_default_str();
  app.add_option("--rescale", rescale, "Multiply float32 pixels by this (e.g. 0.00392156862745098)");
  app.add_option("--data-format", data_format, "channels_last [N,H,W,C] or channels_first [N,C,H,W]")
      ->capture_default_str();
  app.add_option("--alpha-background", alpha_background, "Composite transparent images on R,G,B (default: drop alpha)");
  app.add_flag("--no-exif-orientation", no_orientation, "Do not apply EXIF orientation");
  app.add_option("--batch-size", batch_size, "Images per batch")->capture_default_str();
  app.add_flag("--shuffle,!--no-shuffle", shuffle, "Shuffle every epoch (default on)");
  app.add_flag("--drop-last", drop_last, "Drop the last short batch");
  app.add_option("--num-workers", num_workers, "Decode threads")->capture_default_str();
  app.add_option("--prefetch", prefetch, "Batches decoded ahead")->capture_default_str();
  app.add_option("--on-error", on_error, "Bad image: raise, skip or warn")->capture_default_str();
  app.add_option("--max-image-pixels", max_image_pixels, "Reject larger images before decoding (0 = no limit)")
      ->capture_default_str();
  app.add_option("--num-shards", num_shards,
                 "Shards sharing each epoch (default: WORLD_SIZE or OMPI_COMM_WORLD_SIZE, else 1)");
  app.add_option("--shard-id", shard_id, "This shard (default: RANK or OMPI_COMM_WORLD_RANK, else 0)");
  app.add_option("--shard-remainder", shard_remainder, "pad (repeat from the start) or drop")->capture_default_str();
  app.add_option("--augment", augment,
                 "Augmentation key=value with Keras ImageDataGenerator names (rotation_range=20, zoom_range=0.1, "
                 "horizontal_flip=1, fill_mode=reflect, ...), repeatable")
      ->allow_extra_args(false);
  app.add_option("--transform", transforms, "A transform plugin NAME or NAME:key=value,... (repeatable, in order)")
      ->allow_extra_args(false);
}

LoaderOptions LoaderFlags::to_options(const ScanFlags& scan) const {
  LoaderOptions o;
  o.target_size = parse_target_size(target_size);
  o.color_mode = parse_color_mode(color_mode);
  o.interpolation = parse_interpolation(interpolation);
  o.keep_aspect_ratio = keep_aspect_ratio;
  if (jpeg_draft && no_jpeg_draft) throw UsageError("--jpeg-draft and --no-jpeg-draft contradict; expected one of them");
  if (jpeg_draft_option != nullptr && jpeg_draft_option->count() > 0) o.jpeg_draft = jpeg_draft;
  if (no_jpeg_draft) o.jpeg_draft = false;
  o.cache = cache;
  o.sampling = sampling;
  o.samples_per_epoch = samples_per_epoch;
  o.dtype = parse_image_dtype(dtype);
  o.rescale = rescale;
  o.data_format = parse_data_format(data_format);
  if (!alpha_background.empty()) o.alpha_background = parse_alpha_background(alpha_background);
  o.apply_orientation = !no_orientation;
  o.batch_size = batch_size;
  o.shuffle = shuffle;
  o.seed = scan.seed;  // one --seed drives the split and the shuffle
  o.drop_last = drop_last;
  o.num_workers = num_workers;
  o.prefetch = prefetch;
  o.on_error = parse_on_error(on_error);
  o.max_image_pixels = max_image_pixels;
  o.shard_remainder = parse_shard_remainder(shard_remainder);
  apply_shard(o, num_shards, shard_id);
  add_augmentation(o, parse_key_values(augment, "--augment"));
  for (const auto& t : transforms) o.transforms.push_back(parse_transform_spec(t));
  check_loader_options(o);  // before the scan: a bad value never waits for a large walk
  return o;
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is KiB on Linux
}

double current_rss_mib() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

std::vector<std::pair<std::string, std::string>> parse_key_values(const std::vector<std::string>& items,
                                                                  const std::string& flag) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& item : items) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      // An example that flag takes: an encoder option is no augmentation.
      const char* example = flag == "--augment"      ? "rotation_range=20"
                            : flag == "--source-opt" ? "x_col=filename"
                                                     : "label_smoothing=0.1";
      throw UsageError(fmt::format("{} '{}' is not key=value; expected e.g. {} {}", flag, item, flag, example));
    }
    out.emplace_back(item.substr(0, eq), item.substr(eq + 1));
  }
  return out;
}

namespace {
std::string escape(std::string_view text, bool backslash) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else if (c == 0xc2 && next >= 0x80 && next <= 0x9f) {  // U+0080..U+009F, e.g. CSI
      out += fmt::format("\\xc2\\x{:02x}", next);
      ++i;
    } else if (backslash && c == '\\') {
      out += "\\\\";
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}
}  // namespace

std::string printable(std::string_view text) { return escape(text, false); }
std::string escaped_line(std::string_view name) { return escape(name, true); }

Format parse_format(const std::string& text) {
  if (text == "text") return Format::text;
  if (text == "json") return Format::json;
  throw UsageError(fmt::format("unknown format '{}'; expected one of: text, json", text));
}

nlohmann::ordered_json class_indices_json(const ClassIndex& index) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  // Names are unique, so append to the ordered map directly: operator[] searches linearly
  // (O(K^2) over 100,000 classes).
  auto& object = j.get_ref<nlohmann::ordered_json::object_t&>();
  object.reserve(static_cast<std::size_t>(index.size()));
  for (int32_t i = 0; i < index.size(); ++i) object.emplace_back(index.name_of(i), i);
  return j;
}

ScanOptions ScanFlags::to_scan_options() const {
  ScanOptions o;
  o.root = root;
  o.source = source;
  o.classes = classes;
  o.class_order = parse_class_order(class_order);
  o.follow_links = follow_links;
  o.allow_empty = allow_empty;
  o.source_options = source_options();
  o.validation_split = validation_split;
  o.subset = parse_subset(subset);
  o.split_method = parse_split_method(split_method);
  o.seed = seed;
  return o;
}

LabelOptions ScanFlags::to_label_options() const {
  LabelOptions l;
  l.class_mode = class_mode;
  l.encoder_options = parse_key_values(encoder_opts, "--encoder-opt");
  if (!class_indices_file.empty()) l.mapping = load_mapping(class_indices_file);
  return l;
}

namespace {
void save_if_asked(const ScanFlags& f, std::initializer_list<const Dataset*> scanned, const LabelSpec& labels) {
  if (f.save_class_indices_file.empty()) return;
  for (const Dataset* ds : scanned) refuse_output_over_samples(*ds, f.save_class_indices_file, "mapping file");
  save_mapping(f.save_class_indices_file, labels.mapping(), parse_mapping_format(f.mapping_format));
}
}  // namespace

LabelledDataset run_scan(const Registry& registry, const ScanFlags& f) {
  LabelledDataset r = scan_labelled(registry, f.to_scan_options(), f.to_label_options());
  save_if_asked(f, {&r.dataset}, r.labels);
  return r;
}

std::vector<LabelledDataset> ScanFlags::scan_roots(const Registry& registry) const {
  if (parse_subset(subset) == Subset::both)
    throw UsageError("--subset both makes two subsets of one root, disjoint by construction; check and report read "
                     "roots: give --subset training or validation, or the roots themselves (e.g. train test)");
  std::vector<LabelledDataset> out;
  for (const auto& r : roots) {
    ScanFlags one = *this;
    one.root = r;
    if (!out.empty()) one.save_class_indices_file.clear();  // the first root's mapping is the one saved
    out.push_back(run_scan(registry, one));
  }
  return out;
}

LabelledSplit run_scan_split(const Registry& registry, const ScanFlags& f) {
  LabelledSplit r = scan_labelled_split(registry, f.to_scan_options(), f.to_label_options());
  save_if_asked(f, {&r.training, &r.validation}, r.labels);
  return r;
}

void print_warnings(const Dataset& dataset) {
  for (const auto& w : dataset.warnings) std::cerr << "warning: " << printable(w) << "\n";
}

void print_json(const nlohmann::ordered_json& j) {
  std::cout << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
}

}  // namespace classflow::cli
