// `classflow flow`: the main job — iterate epochs of batches, measure, optionally export.
#include "common.hpp"
#include "npy.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

namespace classflow::cli {

namespace {

// Label rows of a batch as JSON: a number per item for scalar labels, else a flat list.
nlohmann::ordered_json labels_json(const Batch& b) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  const Tensor& t = b.labels;
  if (t.data.empty() || t.shape.empty() || t.shape[0] == 0) return rows;
  const int64_t n = t.shape[0];
  int64_t per = 1;
  for (std::size_t i = 1; i < t.shape.size(); ++i) per *= t.shape[i];
  auto value = [&](int64_t k) -> nlohmann::ordered_json {
    switch (t.dtype) {
      case sdk::DType::float32: return t.as<float>()[k];
      case sdk::DType::int32: return t.as<int32_t>()[k];
      case sdk::DType::int64: return t.as<int64_t>()[k];
      case sdk::DType::uint8: return t.as<uint8_t>()[k];
      case sdk::DType::uint16: return t.as<uint16_t>()[k];
    }
    return nullptr;
  };
  for (int64_t i = 0; i < n; ++i) {
    if (t.shape.size() == 1) {
      rows.push_back(value(i));
      continue;
    }
    nlohmann::ordered_json row = nlohmann::ordered_json::array();
    for (int64_t k = 0; k < per; ++k) row.push_back(value(i * per + k));
    rows.push_back(row);
  }
  return rows;
}

void progress(int64_t done, int64_t total, int64_t epoch, int64_t epochs) {
  const int width = 30;
  int filled = total > 0 ? static_cast<int>(width * done / total) : width;
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(width - filled), '.');
  fmt::print(stderr, "\repoch {}/{} [{}] {}/{} batches", epoch + 1, epochs, bar, done, total);
  if (done == total) fmt::print(stderr, "\n");
}

}  // namespace

namespace {

// flow --profile. Stage seconds are summed over the worker threads; a stage's share is of their
// sum, so the shares say where the workers' time goes whatever the worker count.
constexpr std::array<const char*, 5> kStages{"read", "decode", "resize", "store", "encode"};

std::array<double, 5> stage_seconds(const LoaderProfile& p) { return {p.read, p.decode, p.resize, p.store, p.encode}; }

nlohmann::ordered_json profile_json(const LoaderProfile& p, double wall, double first_batch, int workers,
                                    const std::array<double, 3>& rss) {
  const auto sec = stage_seconds(p);
  double total = 0;
  for (double v : sec) total += v;
  nlohmann::ordered_json j, seconds, share;
  for (std::size_t i = 0; i < kStages.size(); ++i) {
    seconds[kStages[i]] = sec[i];
    share[kStages[i]] = total > 0 ? sec[i] / total : 0.0;
  }
  j["num_workers"] = workers;
  j["images"] = p.images;
  j["batches"] = p.batches;
  j["cache_hits"] = p.cache_hits;
  j["batch_buffers"] = p.batch_buffers;
  j["stage_seconds"] = seconds;
  j["stage_share"] = share;
  j["wait_seconds"] = p.wait;
  j["wall_seconds"] = wall;
  j["first_batch_seconds"] = first_batch;
  j["rss_mib"] = {{"ready", rss[0]}, {"first_batch", rss[1]}, {"peak", rss[2]}};
  return j;
}

void print_profile(const LoaderProfile& p, double wall, double first_batch, int workers,
                   const std::array<double, 3>& rss) {
  const auto sec = stage_seconds(p);
  double total = 0;
  for (double v : sec) total += v;
  fmt::print("profile: {} images on {} workers; stage time summed over the workers ({:.2f} s):\n", p.images, workers,
             total);
  for (std::size_t i = 0; i < kStages.size(); ++i)
    fmt::print("  {:<7} {:8.3f} s  {:5.1f} %  {:7.1f} us/image\n", kStages[i], sec[i],
               total > 0 ? 100.0 * sec[i] / total : 0.0, p.images > 0 ? 1e6 * sec[i] / p.images : 0.0);
  if (p.cache_hits > 0) fmt::print("  cache hits: {} images (their read time is the cache read)\n", p.cache_hits);
  fmt::print("  waiting for a batch (the consumer): {:.3f} s of {:.3f} s\n", p.wait, wall);
  fmt::print("  first batch after {:.3f} s\n", first_batch);
  fmt::print("  batch buffers allocated: {}\n", p.batch_buffers);
  fmt::print("  memory: {:.1f} MiB ready (plugins, scan), {:.1f} MiB after the first batch, {:.1f} MiB peak\n",
             rss[0], rss[1], rss[2]);
}

constexpr const char* kExportMarker = "export_complete.json";

// Never mix runs or overwrite a user's files: an export goes to a new or empty folder. A folder
// left by an interrupted export says so (temporaries, no completion marker).
void prepare_export_folder(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw UsageError(
        fmt::format("export folder '{}' is a file; expected a new or empty folder for --export (it "
                    "writes class_indices.json, filenames.txt and one .npy per batch there)",
                    dir));
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    std::string what;  // said only for what a user may not expect: an interrupted export
    bool marker = false, mapping = false;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      const std::string name = e.path().filename().string();
      if (is_atomic_temporary(name)) what = fmt::format(" (an unfinished export: stale temporary '{}')", name);
      marker = marker || name == kExportMarker;
      mapping = mapping || name == "class_indices.json";
    }
    if (what.empty() && mapping && !marker) what = fmt::format(" (an unfinished export: no {})", kExportMarker);
    throw UsageError(fmt::format("export folder '{}' is not empty{}; expected a new or empty folder for --export", dir,
                                 what));
  }
  fs::create_directories(dir, ec);
  if (ec)
    throw DataError(fmt::format("export folder '{}' cannot be created ({}); expected a writable path", dir,
                                ec.message()));
}

int run_flow_subset(const std::shared_ptr<const Registry>& registry, Dataset dataset, const LabelSpec& labels,
                    const LoaderOptions& lo, const FlowFlags& flow, const std::optional<LoaderState>& resume,
                    nlohmann::ordered_json* json_out);
}  // namespace

int run_flow_command(const PluginOptions& plugins, const ScanFlags& scan, const LoaderFlags& loader_flags,
                     const FlowFlags& flow) {
  Format format = parse_format(flow.format);
  if (flow.epochs < 1) throw UsageError(fmt::format("epochs '{}' is out of range; expected >= 1", flow.epochs));
  if (flow.stop_after_batches < 0)
    throw UsageError(fmt::format("stop_after_batches '{}' is out of range; expected >= 0", flow.stop_after_batches));
  LoaderOptions lo = loader_flags.to_options(scan);
  DataLoader::reserve_batches(lo);  // faulted in while plugins load and the scan runs
  std::shared_ptr<const Registry> registry = plugins.make_registry();
  DataLoader::check_options(*registry, lo);
  // Read before the scan: a state file that cannot be read fails before a summary is printed.
  std::optional<LoaderState> resume;
  if (!flow.resume.empty()) resume = load_state(flow.resume);
  // The loader threads load one image each while the scan runs on this one.
  const DataLoader::WarmUp warm = DataLoader::warm_up(registry, lo, scan.to_scan_options());
  if (parse_subset(scan.subset) != Subset::both) {
    LabelledDataset r = run_scan(*registry, scan);
    print_warnings(r.dataset);
    if (format == Format::text) print_scan_text(r.dataset, r.labels);
    return run_flow_subset(registry, std::move(r.dataset), r.labels, lo, flow, resume, nullptr);
  }
  // Training then validation of one walk, each with its own summary (and export folder).
  LabelledSplit r = run_scan_split(*registry, scan);
  nlohmann::ordered_json both;
  for (auto [subset, ds] : {std::pair{"training", &r.training}, std::pair{"validation", &r.validation}}) {
    FlowFlags f = flow;
    if (!f.export_dir.empty()) f.export_dir += std::string("/") + subset;
    print_warnings(*ds);
    if (format == Format::text) {
      fmt::print("== subset {}\n", subset);
      print_scan_text(*ds, r.labels);
    }
    nlohmann::ordered_json j;
    run_flow_subset(registry, std::move(*ds), r.labels, lo, f, resume, &j);
    both[subset] = j;
  }
  if (format == Format::json) print_json(both);
  return 0;
}

namespace {

int run_flow_subset(const std::shared_ptr<const Registry>& registry, Dataset dataset, const LabelSpec& labels,
                    const LoaderOptions& lo, const FlowFlags& flow, const std::optional<LoaderState>& resume,
                    nlohmann::ordered_json* json_out) {
  Format format = parse_format(flow.format);
  DataLoader loader(registry, std::move(dataset), labels, lo);

  if (!flow.export_dir.empty()) {
    prepare_export_folder(flow.export_dir);
    save_mapping(flow.export_dir + "/class_indices.json", labels.mapping());
    std::string names;
    for (const auto& f : loader.filenames()) names += escaped_line(f) + "\n";
    write_file_atomically(flow.export_dir + "/filenames.txt", names, "export file");
  }

  const bool tty = isatty(STDERR_FILENO) != 0 && format == Format::text;
  nlohmann::ordered_json batches = nlohmann::ordered_json::array();
  nlohmann::ordered_json skipped = nlohmann::ordered_json::array();
  std::vector<double> rss_after_epoch;
  std::vector<std::vector<int64_t>> epoch_indices;
  int64_t images = 0, batch_count = 0, exported = 0;
  const std::size_t warnings_before = loader.warnings().size();
  for (const auto& w : loader.warnings()) std::cerr << "warning: " << printable(w) << "\n";
  const double rss_ready = current_rss_mib();  // plugins loaded, dataset scanned
  double rss_first_batch = 0.0, first_batch_seconds = 0.0;
  auto t0 = std::chrono::steady_clock::now();
  Batch b;  // one Batch for the run: next() reuses the buffer it held
  // Where to start: the beginning, or the next batch of a saved run (O(1): nothing replayed).
  int64_t start_epoch = 0, first_batch = 0;
  if (!flow.save_state.empty()) refuse_output_over_samples(loader.dataset(), flow.save_state, "state file");
  if (resume) {
    auto at = loader.resume(*resume);
    start_epoch = at[0];
    first_batch = at[1];
  }
  bool stopped = false;
  int64_t delivered = 0;
  for (int64_t e = start_epoch; e < flow.epochs && !stopped; ++e) {
    auto stream = loader.stream(e, e == start_epoch ? first_batch : 0);
    epoch_indices.emplace_back();
    int64_t done = 0;
    while (!stopped && stream.next(b)) {
      if (batch_count == 0) {
        first_batch_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        rss_first_batch = current_rss_mib();
      }
      images += b.size();
      epoch_indices.back().insert(epoch_indices.back().end(), b.sample_indices.begin(), b.sample_indices.end());
      ++batch_count;
      ++done;
      for (const auto& s : b.skipped) {
        std::cerr << "\nwarning: skipped '" << printable(s.path) << "': " << printable(s.reason) << "\n";
        skipped.push_back({{"path", s.path}, {"reason", s.reason}, {"epoch", e}});
      }
      if (!flow.export_dir.empty()) {
        // Numbered by position in the whole run, so the files of a stopped run and of its
        // resumed continuation are exactly the files of one uninterrupted run.
        std::string stem = fmt::format("{}/{{}}_{:05d}.npy", flow.export_dir, e * loader.num_batches() + b.index);
        ++exported;
        write_npy(fmt::format(fmt::runtime(stem), "images"), b.images);
        if (!b.labels.data.empty()) write_npy(fmt::format(fmt::runtime(stem), "labels"), b.labels);
        Tensor idx{sdk::DType::int64, {b.size()}, {}};
        idx.data.resize(b.sample_indices.size() * sizeof(int64_t));
        std::memcpy(idx.data.data(), b.sample_indices.data(), idx.data.size());
        write_npy(fmt::format(fmt::runtime(stem), "indices"), idx);
      }
      if (flow.dump_labels)
        batches.push_back({{"epoch", e}, {"index", b.index}, {"sample_indices", b.sample_indices}, {"paths", b.paths},
                           {"labels", labels_json(b)}});
      if (tty) progress(done, loader.num_batches(e), e, flow.epochs);
      if (flow.stop_after_batches > 0 && ++delivered == flow.stop_after_batches) {
        stopped = true;
        if (!flow.save_state.empty()) save_state(flow.save_state, loader.state(e, b.index + 1));
      }
    }
    // The epoch's last batch goes back before the next stream starts: that stream's workers open
    // two batches at once and, with this thread scheduled late, would fault in a third buffer.
    loader.recycle(std::move(b));
    b = Batch();
    rss_after_epoch.push_back(current_rss_mib());
  }
  if (!stopped && !flow.save_state.empty()) save_state(flow.save_state, loader.state(flow.epochs, 0));
  {
    const auto after = loader.warnings();  // e.g. the cache folder filled up during the run
    for (std::size_t i = warnings_before; i < after.size(); ++i) std::cerr << "warning: " << printable(after[i]) << "\n";
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!flow.export_dir.empty()) {
    // Last: an export folder without this file is unfinished, whatever else it holds.
    nlohmann::ordered_json done;
    done["format"] = "classflow.export/1";
    done["batches"] = exported;
    done["epochs"] = flow.epochs;
    done["images"] = images;
    write_file_atomically(flow.export_dir + "/" + kExportMarker, done.dump(2) + "\n", "export file");
  }
  double ips = seconds > 0 ? static_cast<double>(images) / seconds : 0.0;

  if (format == Format::json) {
    nlohmann::ordered_json j;
    j["message"] = loader.dataset().found_message();
    j["class_indices"] =
        labels.has_class_index() ? class_indices_json(loader.class_index()) : nlohmann::ordered_json(nullptr);
    j["class_mode"] = labels.class_mode();
    j["num_samples"] = loader.num_samples();
    j["num_batches"] = loader.num_batches();
    j["shard_id"] = lo.shard_id;
    j["num_shards"] = lo.num_shards;
    j["shard_size"] = loader.shard_size();
    j["batch_size"] = lo.batch_size;
    j["epochs"] = flow.epochs;
    j["images"] = images;
    j["seconds"] = seconds;
    j["images_per_second"] = ips;
    j["skipped"] = skipped;
    j["peak_rss_mib"] = peak_rss_mib();
    j["rss_after_epoch_mib"] = rss_after_epoch;
    j["sample_indices"] = epoch_indices;  // per epoch, in visiting order
    if (flow.dump_labels) j["batches"] = batches;
    if (flow.profile) j["profile"] = profile_json(loader.profile(), seconds, first_batch_seconds, lo.num_workers,
                                                  {rss_ready, rss_first_batch, peak_rss_mib()});
    if (json_out) *json_out = std::move(j);
    else print_json(j);
    return 0;
  }
  fmt::print("{} epochs x {} batches: {} images in {:.2f} s = {:.0f} images/s\n", flow.epochs, loader.num_batches(),
             images, seconds, ips);
  if (stopped)
    fmt::print("stopped after {} batches (--stop-after-batches){}\n", delivered,
               flow.save_state.empty() ? "" : fmt::format("; continue with --resume {}", flow.save_state));
  if (lo.num_shards > 1)
    fmt::print("shard {} of {}: {} samples per epoch ({})\n", lo.shard_id, lo.num_shards, loader.shard_size(),
               loader.num_samples() % lo.num_shards == 0                 ? "even split"
               : lo.shard_remainder == ShardRemainder::pad ? "padded"
                                                           : "tail dropped");
  fmt::print("skipped files: {}\n", skipped.size());
  if (flow.profile)
    print_profile(loader.profile(), seconds, first_batch_seconds, lo.num_workers, {rss_ready, rss_first_batch, peak_rss_mib()});
  fmt::print("peak memory: {:.1f} MiB\n", peak_rss_mib());
  if (!flow.export_dir.empty())
    fmt::print("exported {} batches to {} (images_NNNNN.npy, labels_NNNNN.npy, indices_NNNNN.npy, class_indices.json, "
               "filenames.txt, {})\n",
               exported, flow.export_dir, kExportMarker);
  return 0;
}
}  // namespace

}  // namespace classflow::cli
