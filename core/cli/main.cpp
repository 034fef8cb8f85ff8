// classflow CLI entry point: subcommands and the mapping of errors to exit codes
// (0 ok, 2 usage, 3 data, 4 plugin, 1 anything else).
#include "common.hpp"

#include <fmt/format.h>

#include <malloc.h>

#include <iostream>

int main(int argc, char** argv) {
  using namespace classflow::cli;
  // A fixed mmap threshold: glibc's sliding one would move 19 MB batch buffers into the heap
  // after the first free, where fragmentation makes RSS creep epoch after epoch.
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  // Named: the usage line shows "classflow", not argv[0] (the Python wheel runs a path deep in site-packages).
  CLI::App app{"classflow: labelled images to training batches, with an explicit class mapping", "classflow"};
  app.set_version_flag("--version", "classflow 0.1.0 (plugin ABI " + std::to_string(CF_ABI_VERSION_MAJOR) + "." +
                                        std::to_string(CF_ABI_VERSION_MINOR) + ")");
  app.require_subcommand(1);

  PluginOptions scan_plugins, list_plugins, decode_plugins;
  ScanFlags scan_flags;
  std::string scan_format = "text", plugins_format = "text";
  auto* scan = app.add_subcommand("scan", "Find classes and images; print the mapping, counts and skipped files");
  scan_flags.add_to(*scan);
  scan_plugins.add_to(*scan);
  scan->add_option("--format", scan_format, "text or json")->capture_default_str();

  auto* plugins = app.add_subcommand("plugins", "List loaded plugins and refused files with reasons");
  list_plugins.add_to(*plugins);
  plugins->add_option("--format", plugins_format, "text or json")->capture_default_str();

  DecodeFlags decode_flags;
  std::optional<double> threshold;
  auto* decode = app.add_subcommand("decode", "Turn prediction rows (CSV, savetxt text or .npy) back into class names");
  decode->add_option("PREDICTIONS", decode_flags.predictions,
                     "Predictions, one row per sample: CSV, blank/tab/semicolon-separated as numpy.savetxt writes, or a .npy "
                     "array ([N, K]; [N]: N binary scores, else one row) as numpy.save writes")
      ->required();
  decode->add_option("--class-indices", decode_flags.class_indices_file, "The saved mapping")->required()
      ->check(path_check());
  decode->add_option("--class-mode", decode_flags.class_mode, "Encoder (default: class_mode saved in the mapping)");
  decode->add_option("--top-k", decode_flags.top_k, "Classes per row, best first")->capture_default_str();
  decode->add_option("--threshold", threshold, "Binary / multi-label: score >= T selects the class (default 0.5)");
  decode->add_option("--encoder-opt", decode_flags.encoder_opts, "Encoder option key=value (repeatable)")
      ->allow_extra_args(false);
  decode->add_option("--filenames", decode_flags.filenames,
                     "A list with one file per prediction row (e.g. --export's filenames.txt), printed beside it")
      ->check(path_check());
  decode_plugins.add_to(*decode);

  PluginOptions flow_plugins;
  ScanFlags flow_scan;
  LoaderFlags flow_loader;
  FlowFlags flow_flags;
  auto* flow = app.add_subcommand("flow", "Iterate batches (decode, resize, encode labels); measure; export");
  flow_scan.add_to(*flow);
  flow_loader.add_to(*flow);
  flow_plugins.add_to(*flow);
  flow->add_option("--epochs", flow_flags.epochs, "Epochs to iterate")->capture_default_str();
  flow->add_option("--export", flow_flags.export_dir, "Write batches as .npy with class_indices.json and filenames.txt")
      ->check(path_check());
  flow->add_option("--format", flow_flags.format, "text or json")->capture_default_str();
  flow->add_flag("--dump-labels", flow_flags.dump_labels, "JSON: add every batch's sample_indices, paths and labels");
  flow->add_option("--stop-after-batches", flow_flags.stop_after_batches,
                   "Stop after K batches of this run (with --save-state: where to resume)");
  flow->add_option("--save-state", flow_flags.save_state,
                   "Write where the run stopped (JSON), for --resume; at the end of the run too")
      ->check(path_check());
  flow->add_flag("--profile", flow_flags.profile,
                 "Report where the time went (read, decode, resize, store, encode, waiting), the first batch's "
                 "latency and memory per stage");
  flow->add_option("--resume", flow_flags.resume,
                   "Continue a run from a --save-state file at its next batch (--epochs counts from the start)")
      ->check(path_check());

  PluginOptions preview_plugins;
  ScanFlags preview_scan;
  LoaderFlags preview_loader;
  std::string preview_output;
  int64_t preview_batch = 0;
  auto* preview = app.add_subcommand("preview", "Draw one batch as a titled grid with the mapping legend");
  preview_scan.add_to(*preview);
  preview_loader.add_to(*preview);
  preview_plugins.add_to(*preview);
  preview->add_option("--output,-o", preview_output, "PNG file to write")->required()
      ->check(path_check());
  preview->add_option("--batch", preview_batch, "Batch index of epoch 0 to draw")->capture_default_str();
  int64_t preview_augmented = 1;
  preview->add_option("--augmented", preview_augmented,
                      "Draw N copies of each tile, augmented as epochs 0..N-1 draw them (with --augment/--transform)")
      ->capture_default_str();

  PluginOptions check_plugins;
  ScanFlags check_scan;
  CheckFlags check_flags;
  auto* check = app.add_subcommand(
      "check", "Read and decode every file of one or more roots: corrupt files, duplicates, one picture under two "
               "classes, files shared by roots (leaks); exit 3 when training data is wrong");
  check_scan.add_to(*check, true);
  check_flags.add_to(*check);
  check_plugins.add_to(*check);
  check->add_option("--format", check_flags.format, "text or json")->capture_default_str();
  check->add_option("--max-listed", check_flags.max_listed, "Text: entries listed per finding")->capture_default_str();

  PluginOptions report_plugins;
  ScanFlags report_scan;
  ReportFlags report_flags;
  auto* report = app.add_subcommand(
      "report", "Write one self-contained HTML page: mapping, class counts, thumbnails, image sizes, check findings");
  report_scan.add_to(*report, true);
  report_flags.check.add_to(*report);
  report_plugins.add_to(*report);
  report->add_option("--output,-o", report_flags.output, "HTML file to write")->required()
      ->check(path_check());
  report->add_option("--thumbnails", report_flags.thumbnails, "Thumbnails per class and root (0..64)")
      ->capture_default_str();
  report->add_option("--title", report_flags.title, "Page title (default: the roots)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  try {
    if (*scan) return run_scan_command(scan_plugins, scan_flags, scan_format);
    if (*plugins) return run_plugins_command(list_plugins, plugins_format);
    if (*flow) return run_flow_command(flow_plugins, flow_scan, flow_loader, flow_flags);
    if (*preview) return run_preview_command(preview_plugins, preview_scan, preview_loader, preview_output, preview_batch,
                                              preview_augmented);
    if (*check) return run_check_command(check_plugins, check_scan, check_flags);
    if (*report) return run_report_command(report_plugins, report_scan, report_flags);
    if (*decode) {
      decode_flags.threshold = threshold;
      return run_decode_command(decode_plugins, decode_flags);
    }
  } catch (const classflow::Error& e) {
    std::cerr << "error: " << printable(e.what()) << "\n";
    return e.exit_code();
  } catch (const std::exception& e) {
    std::cerr << "error: " << printable(e.what()) << "\n";
    return 1;
  }
  return 0;
}
