// check_datasets: every file read once by a few workers, findings assembled in dataset order.
#include <classflow/dataset_check.hpp>

#include <classflow/error.hpp>
#include <classflow/registry.hpp>

#include "image/image_pipeline.hpp"
#include "plugins/plugin_call.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <xxhash.h>


#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>
#include <unordered_map>

namespace classflow {

namespace {

// What one worker learnt about one file.
struct FileResult {
  XXH128_hash_t hash{};
  int64_t bytes = 0;
  int32_t width = 0, height = 0;  // upright
  int32_t color = CF_COLOR_UNKNOWN, bits = 0, out_channels = 0;
  bool alpha = false, high_bits = false;
  const DecoderEntry* decoder = nullptr;
  bool read = false;    // bytes hashed
  bool header = false;  // header read
  std::string error;    // corrupt: why
  std::optional<uint64_t> phash;
};

std::string hex128(const XXH128_hash_t& h) { return fmt::format("{:016x}{:016x}", h.high64, h.low64); }

// 8-bit copy of a decoded 16-bit image (the high byte, as the loader's 8-bit path).
cv::Mat to_8bit(const cv::Mat& m) {
  if (m.depth() == CV_8U) return m;
  cv::Mat out;
  m.convertTo(out, CV_8U, 1.0 / 257.0);
  return out;
}

void check_file(const Registry& registry, const std::string& path, const CheckOptions& o, FileResult& r) {
  thread_local TensorBytes bytes;
  thread_local TensorBytes pixels;
  try {
    // The first bytes tell whether any decoder reads it: a large non-image (a 2 GB log named
    // .png) is reported without being read whole.
    detail::read_image_file(path, bytes, &registry);
    r.read = true;
    r.bytes = static_cast<int64_t>(bytes.size());
    r.hash = XXH3_128bits(bytes.data(), bytes.size());
    const DecoderEntry& dec = detail::decoder_for_file(registry, path, bytes);
    r.decoder = &dec;
    auto req = detail::sized<cf_decode_request>();
    req.apply_orientation = 1;
    req.keep_16bit = 1;  // so the plan tells 16-bit input apart
    auto info = detail::sized<cf_image_info>();
    const detail::PluginRef ref{"decoder", dec.vtable->name, dec.file};
    const std::string cannot = fmt::format("image file '{}' cannot be decoded", path);
    detail::PluginCall plan(ref, "plan");
    plan.check(dec.vtable->plan(bytes.data(), bytes.size(), &req, &info, plan.status()), cannot);
    if (info.width < 1 || info.height < 1 || info.out_width < 1 || info.out_height < 1)
      throw DataError(fmt::format("{}: the decoder found no image size ({}x{}); expected a complete image header",
                                  cannot, info.width, info.height));
    const bool swaps = info.orientation >= 5;
    r.width = swaps ? info.height : info.width;
    r.height = swaps ? info.width : info.height;
    r.color = info.source_color;
    r.alpha = info.source_alpha != 0 || (info.source_color == CF_COLOR_UNKNOWN && info.out_channels == 4);
    r.bits = info.source_bits;
    r.high_bits = info.source_bits > 8 || info.out_dtype == CF_DTYPE_UINT16;
    r.out_channels = info.out_channels;
    r.header = true;
    const int64_t pixel_count = std::max(static_cast<int64_t>(info.width) * info.height,
                                         static_cast<int64_t>(info.out_width) * info.out_height);
    if (o.max_image_pixels > 0 && pixel_count > o.max_image_pixels)
      throw DataError(
          fmt::format("image file '{}' has {} pixels ({}x{}), more than max_image_pixels {}; expected a "
                      "smaller image, or raise --max-image-pixels (max_image_pixels=N in Python; 0 disables the limit)",
                      path, pixel_count, info.width, info.height, o.max_image_pixels));
    if (!o.decode) return;
    const bool u16 = info.out_dtype == CF_DTYPE_UINT16;
    if ((info.out_dtype != CF_DTYPE_UINT8 && !u16) || info.out_channels < 1 || info.out_channels > 4 ||
        info.out_channels == 2)
      plan.violation(fmt::format("planned {} channels of dtype {} for '{}'; expected uint8/uint16 with 1, 3 or 4 "
                                 "channels",
                                 info.out_channels, info.out_dtype, path));
    const std::size_t need =
        static_cast<std::size_t>(info.out_height) * info.out_width * info.out_channels * (u16 ? 2 : 1);
    if (pixels.size() < need) pixels.resize(need);
    detail::PluginCall decode(ref, "decode");
    try {
      decode.check(dec.vtable->decode(bytes.data(), bytes.size(), &req, &info, pixels.data(), need, decode.status()),
                   cannot);
    } catch (...) {
      if (pixels.capacity() > (std::size_t{64} << 20)) TensorBytes().swap(pixels);  // a hostile size: give it back
      throw;
    }
    if (o.near_duplicates) {
      const cv::Mat m(info.out_height, info.out_width, CV_MAKETYPE(u16 ? CV_16U : CV_8U, info.out_channels),
                      pixels.data());
      const cv::Mat m8 = to_8bit(m);
      r.phash = perceptual_hash(m8.data, m8.rows, m8.cols, m8.channels(), m8.step[0]);
    }
  } catch (const Error& e) {
    r.error = e.what();
  } catch (const std::bad_alloc&) {
    r.error = fmt::format("image file '{}' needs more memory to decode than is available", path);
  }
}

std::vector<std::string> class_names_of(const Dataset& ds, const Sample& s) {
  std::vector<std::string> names;
  if (!ds.labelled) return names;
  for (int32_t id : s.class_ids)
    if (id >= 0 && id < ds.class_index.size()) names.push_back(ds.class_index.name_of(id));
  return names;
}

bool different_labels(const std::vector<CheckedFile>& files) {
  for (const auto& f : files)
    if (f.classes != files.front().classes) return true;
  return false;
}

}  // namespace

const char* duplicate_kind_name(DuplicateKind kind) {
  switch (kind) {
    case DuplicateKind::duplicate: return "duplicate";
    case DuplicateKind::conflict: return "conflict";
    case DuplicateKind::leak: return "leak";
  }
  return "duplicate";
}

int64_t CheckResult::count(DuplicateKind kind) const {
  return std::count_if(duplicates.begin(), duplicates.end(), [&](const DuplicateGroup& g) { return g.kind == kind; });
}

int CheckResult::exit_code() const {
  return corrupt.empty() && count(DuplicateKind::conflict) == 0 && count(DuplicateKind::leak) == 0 ? 0 : 3;
}

void check_check_options(const CheckOptions& o) {
  if (o.near_duplicates && !o.decode)
    throw UsageError("near-duplicates need the decoded images; drop --no-decode (decode=False) or --near-duplicates");
  if (o.near_threshold < 0 || o.near_threshold > 64)
    throw UsageError(fmt::format("near-duplicate threshold {} is outside 0..64 (bits of the pHash that may differ)",
                                 o.near_threshold));
  if (o.num_workers < 0 || o.num_workers > kMaxNumWorkers)
    throw UsageError(fmt::format("num_workers '{}' is out of range; expected 0 (one per core) to {}", o.num_workers,
                                 kMaxNumWorkers));
  if (o.target_size) check_target_size(*o.target_size);
}

CheckResult check_datasets(const Registry& registry, const std::vector<Dataset>& datasets, const CheckOptions& o) {
  check_check_options(o);
  // The same folder twice would make every file a leak from itself.
  std::map<std::string, std::string> seen_roots;
  for (const auto& ds : datasets) {
    std::error_code ec;
    const std::string base = ds.base_directory.empty() ? ds.root : ds.base_directory;
    const std::string key = std::filesystem::weakly_canonical(ds.root, ec).string() + "\n" +
                            std::filesystem::weakly_canonical(base, ec).string();
    if (auto [it, fresh] = seen_roots.emplace(key, ds.root); !fresh)
      throw UsageError(fmt::format("root '{}' is given twice (also as '{}'); expected different roots (e.g. train "
                                   "and test)",
                                   ds.root, it->second));
  }
  const auto t0 = std::chrono::steady_clock::now();
  // Every (root, sample) as one work item; results land in their own slot, so the findings come
  // out in dataset order whatever the number of workers.
  std::vector<std::pair<int32_t, int64_t>> items;
  for (std::size_t d = 0; d < datasets.size(); ++d)
    for (int64_t i = 0; i < datasets[d].num_samples(); ++i) items.emplace_back(static_cast<int32_t>(d), i);
  std::vector<FileResult> results(items.size());
  auto full_path = [&](const Dataset& ds, const Sample& s) {
    const std::string& base = ds.base_directory.empty() ? ds.root : ds.base_directory;
    return base + "/" + s.path;
  };
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t k = next++; k < items.size(); k = next++) {
      const Dataset& ds = datasets[static_cast<std::size_t>(items[k].first)];
      check_file(registry, full_path(ds, ds.samples[static_cast<std::size_t>(items[k].second)]), o, results[k]);
    }
  };
  unsigned workers = o.num_workers > 0 ? static_cast<unsigned>(o.num_workers) : std::max(1u, std::thread::hardware_concurrency());
  workers = static_cast<unsigned>(std::min<std::size_t>(workers, std::max<std::size_t>(1, items.size())));
  {
    std::vector<std::jthread> pool;
    for (unsigned w = 1; w < workers; ++w) pool.emplace_back(work);
    work();
  }

  CheckResult r;
  r.decoded = o.decode;
  for (const auto& ds : datasets) {
    r.roots.push_back(ds.root);
    r.bases.push_back(ds.base_directory.empty() ? ds.root : ds.base_directory);
    r.images.emplace_back(static_cast<std::size_t>(ds.num_samples()));
    r.colors.emplace_back(static_cast<std::size_t>(std::max(0, ds.class_index.size())));
  }
  // Roots whose classes differ: batches of one would be labelled by another mapping.
  for (std::size_t d = 1; d < datasets.size(); ++d) {
    const auto& a = datasets[0].class_index.class_names();
    const auto& b = datasets[d].class_index.class_names();
    if (datasets[0].labelled && datasets[d].labelled && a != b)
      r.warnings.push_back(fmt::format(
          "root '{}' has classes [{}] where root '{}' has [{}]; a model trained on one would read the other's "
          "indices wrongly: pass the first root's saved mapping (--class-indices) when loading the others",
          datasets[d].root, fmt::join(b, ", "), datasets[0].root, fmt::join(a, ", ")));
  }
  for (const auto& ds : datasets)
    for (const auto& w : ds.warnings) r.warnings.push_back(fmt::format("root '{}': {}", ds.root, w));
  // Scan findings first: image entries the scan could not read (unreadable, a broken link, a
  // listed file that is missing, a FIFO or device named like an image) are as corrupt as
  // undecodable files. Other names (a dangling README) are not images and stay out.
  const auto image_extensions = registry.extensions();
  auto image_named = [&](const std::string& path) {
    const std::string ext = detail::lower_extension(path);
    return std::binary_search(image_extensions.begin(), image_extensions.end(), ext);
  };
  for (std::size_t d = 0; d < datasets.size(); ++d)
    for (const auto& s : datasets[d].skipped) {
      const bool counts = s.reason == CF_SKIP_UNREADABLE || s.reason == CF_SKIP_MISSING_FILE ||
                          ((s.reason == CF_SKIP_BROKEN_LINK || s.reason == CF_SKIP_OTHER) && image_named(s.path));
      if (counts)
        r.corrupt.push_back({{static_cast<int32_t>(d), s.path, {}},
                             fmt::format("{}{}{}", skip_reason_name(s.reason), s.detail.empty() ? "" : ": ", s.detail)});
    }

  struct HashKey {
    uint64_t hi, lo;
    bool operator==(const HashKey&) const = default;
  };
  struct HashKeyHash {
    std::size_t operator()(const HashKey& k) const noexcept { return static_cast<std::size_t>(k.lo ^ (k.hi * 31)); }
  };
  std::unordered_map<HashKey, std::vector<std::size_t>, HashKeyHash> by_hash;
  std::vector<CheckedFile> files(items.size());
  for (std::size_t k = 0; k < items.size(); ++k) {
    const auto [d, i] = items[k];
    const Dataset& ds = datasets[static_cast<std::size_t>(d)];
    const Sample& s = ds.samples[static_cast<std::size_t>(i)];
    const FileResult& fr = results[k];
    files[k] = CheckedFile{d, s.path, class_names_of(ds, s)};
    ++r.files;  // every sample, read or not: the same count as the scan's
    if (fr.read) {
      r.bytes += fr.bytes;
      if (fr.bytes > 0) by_hash[HashKey{fr.hash.high64, fr.hash.low64}].push_back(k);  // empty files: corrupt only
    }
    if (!fr.error.empty()) r.corrupt.push_back({files[k], fr.error});
    if (fr.decoder != nullptr) {
      const std::string ext = detail::lower_extension(s.path);
      const auto& exts = fr.decoder->extensions;
      if (!ext.empty() && std::find(exts.begin(), exts.end(), ext) == exts.end())
        r.extension_mismatch.push_back({files[k], ext, fr.decoder->vtable->name});
    }
    if (ds.labelled && !fr.header)
      for (int32_t id : s.class_ids)
        if (id >= 0 && id < ds.class_index.size()) {
          ColorCounts& c = r.colors[static_cast<std::size_t>(d)][static_cast<std::size_t>(id)];
          ++c.images;
          ++c.unreadable;
        }
    if (!fr.header) continue;
    r.images[static_cast<std::size_t>(d)][static_cast<std::size_t>(i)] = ImageHeader{fr.width, fr.height, fr.bytes};
    if (o.target_size && (fr.height * 2 < (*o.target_size)[0] || fr.width * 2 < (*o.target_size)[1]))
      r.small.push_back({files[k], fr.width, fr.height});
    if (!ds.labelled) continue;
    for (int32_t id : s.class_ids) {
      if (id < 0 || id >= ds.class_index.size()) continue;
      ColorCounts& c = r.colors[static_cast<std::size_t>(d)][static_cast<std::size_t>(id)];
      ++c.images;
      switch (fr.color) {
        case CF_COLOR_GRAY: ++c.gray; break;
        case CF_COLOR_RGB: ++c.rgb; break;
        case CF_COLOR_PALETTE: ++c.palette; break;
        case CF_COLOR_CMYK: ++c.cmyk; break;
        default:
          if (fr.out_channels == 1) ++c.gray;  // an older decoder: its output tells this much
          else ++c.unknown;
      }
      if (fr.alpha) ++c.alpha;
      if (fr.high_bits) ++c.high_bit_depth;
    }
  }
  // Byte-identical groups, ordered by their first file (dataset order).
  std::vector<std::vector<std::size_t>> groups;
  for (auto& [key, ks] : by_hash)
    if (ks.size() > 1) groups.push_back(std::move(ks));
  std::sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) { return a.front() < b.front(); });
  for (const auto& ks : groups) {
    DuplicateGroup g;
    g.hash = hex128(results[ks.front()].hash);
    g.bytes = results[ks.front()].bytes;
    std::set<int32_t> roots;
    for (std::size_t k : ks) {
      g.files.push_back(files[k]);
      roots.insert(files[k].root);
    }
    g.label_conflict = different_labels(g.files);
    g.kind = roots.size() > 1 ? DuplicateKind::leak : g.label_conflict ? DuplicateKind::conflict : DuplicateKind::duplicate;
    r.duplicates.push_back(std::move(g));
  }
  if (o.near_duplicates) {
    // All pairs within the threshold, byte-identical ones excepted (they are reported above).
    // N^2/2 popcounts (about 1e9 per second). A loose threshold on a large set could pair
    // everything with everything: the list stops at kMaxNearPairs, with a warning.
    constexpr std::size_t kMaxNearPairs = 100000;
    std::vector<std::size_t> hashed;
    for (std::size_t k = 0; k < items.size(); ++k)
      if (results[k].phash) hashed.push_back(k);
    for (std::size_t x = 0; x < hashed.size() && r.near_duplicates.size() < kMaxNearPairs; ++x) {
      const FileResult& a = results[hashed[x]];
      for (std::size_t y = x + 1; y < hashed.size(); ++y) {
        const FileResult& b = results[hashed[y]];
        const int dist = std::popcount(*a.phash ^ *b.phash);
        if (dist > o.near_threshold) continue;
        if (a.hash.high64 == b.hash.high64 && a.hash.low64 == b.hash.low64) continue;
        const CheckedFile& fa = files[hashed[x]];
        const CheckedFile& fb = files[hashed[y]];
        r.near_duplicates.push_back({fa, fb, dist, fa.root != fb.root, fa.classes != fb.classes});
        if (r.near_duplicates.size() == kMaxNearPairs) break;
      }
    }
    if (r.near_duplicates.size() == kMaxNearPairs)
      r.warnings.push_back(fmt::format("near-duplicates: stopped at {} pairs; a lower threshold (now {}) lists the "
                                       "closest ones",
                                       kMaxNearPairs, o.near_threshold));
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

namespace {

nlohmann::ordered_json file_json(const CheckedFile& f, const CheckResult& r) {
  return {{"root", r.roots[static_cast<std::size_t>(f.root)]}, {"path", f.path}, {"classes", f.classes}};
}

}  // namespace

std::string check_result_json(const CheckResult& r, const std::vector<Dataset>& datasets) {
  using json = nlohmann::ordered_json;
  json j;
  j["exit_code"] = r.exit_code();
  j["clean"] = r.exit_code() == 0;
  j["decoded"] = r.decoded;
  j["files"] = r.files;
  j["bytes"] = r.bytes;
  j["seconds"] = r.seconds;
  json roots = json::array();
  for (std::size_t d = 0; d < datasets.size(); ++d) {
    const Dataset& ds = datasets[d];
    json root;
    root["root"] = ds.root;
    root["base_directory"] = r.bases[d];
    root["num_samples"] = ds.num_samples();
    root["class_names"] = ds.class_index.class_names();
    json per_class = json::object();
    const auto counts = ds.class_counts();
    for (int32_t c = 0; c < ds.class_index.size(); ++c) {
      const ColorCounts& cc = r.colors[d][static_cast<std::size_t>(c)];
      // emplace_back: ordered_json's operator[] searches linearly (quadratic in the classes).
      per_class.get_ref<json::object_t&>().emplace_back(ds.class_index.name_of(c), json{{"images", counts[static_cast<std::size_t>(c)]},
                                               {"gray", cc.gray},
                                               {"rgb", cc.rgb},
                                               {"palette", cc.palette},
                                               {"cmyk", cc.cmyk},
                                               {"alpha", cc.alpha},
                                               {"high_bit_depth", cc.high_bit_depth},
                                               {"unknown", cc.unknown},
                                               {"unreadable", cc.unreadable}});
    }
    root["classes"] = per_class;
    roots.push_back(root);
  }
  j["roots"] = roots;
  json corrupt = json::array();
  for (const auto& c : r.corrupt) {
    json f = file_json(c.file, r);
    f["reason"] = c.reason;
    corrupt.push_back(f);
  }
  j["corrupt"] = corrupt;
  json dups = json::array();
  for (const auto& g : r.duplicates) {
    json files = json::array();
    for (const auto& f : g.files) files.push_back(file_json(f, r));
    dups.push_back({{"kind", duplicate_kind_name(g.kind)},
                    {"label_conflict", g.label_conflict},
                    {"hash", g.hash},
                    {"bytes", g.bytes},
                    {"files", files}});
  }
  j["duplicates"] = dups;
  j["counts"] = {{"corrupt", r.corrupt.size()},
                 {"duplicate", r.count(DuplicateKind::duplicate)},
                 {"conflict", r.count(DuplicateKind::conflict)},
                 {"leak", r.count(DuplicateKind::leak)},
                 {"extension_mismatch", r.extension_mismatch.size()},
                 {"small", r.small.size()},
                 {"near_duplicates", r.near_duplicates.size()}};
  json mism = json::array();
  for (const auto& m : r.extension_mismatch) {
    json f = file_json(m.file, r);
    f["extension"] = m.extension;
    f["content"] = m.content;
    mism.push_back(f);
  }
  j["extension_mismatch"] = mism;
  json small = json::array();
  for (const auto& s : r.small) {
    json f = file_json(s.file, r);
    f["width"] = s.width;
    f["height"] = s.height;
    small.push_back(f);
  }
  j["small"] = small;
  json near = json::array();
  for (const auto& n : r.near_duplicates)
    near.push_back({{"a", file_json(n.a, r)},
                    {"b", file_json(n.b, r)},
                    {"distance", n.distance},
                    {"cross_root", n.cross_root},
                    {"label_conflict", n.label_conflict}});
  j["near_duplicates"] = near;
  j["warnings"] = r.warnings;
  return j.dump(2, ' ', false, json::error_handler_t::replace);
}

}  // namespace classflow
