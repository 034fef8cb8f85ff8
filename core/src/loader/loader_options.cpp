// Flag spellings of the loader options.
#include <classflow/error.hpp>
#include <classflow/loader_options.hpp>

#include "loader/sampling.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <thread>
#include <utility>

namespace classflow {

const char* name_of(ColorMode v) { return v == ColorMode::rgb ? "rgb" : v == ColorMode::rgba ? "rgba" : "grayscale"; }
const char* name_of(Interpolation v) {
  switch (v) {
    case Interpolation::nearest: return "nearest";
    case Interpolation::bilinear: return "bilinear";
    case Interpolation::bicubic: return "bicubic";
    case Interpolation::area: return "area";
    case Interpolation::lanczos: return "lanczos";
    case Interpolation::box: return "box";
    case Interpolation::hamming: return "hamming";
    case Interpolation::linear_fast: return "linear_fast";
  }
  return "nearest";
}
const char* name_of(ImageDType v) { return v == ImageDType::uint8 ? "uint8" : "float32"; }
const char* name_of(DataFormat v) { return v == DataFormat::channels_last ? "channels_last" : "channels_first"; }
const char* name_of(OnError v) { return v == OnError::raise ? "raise" : v == OnError::skip ? "skip" : "warn"; }
const char* name_of(ShardRemainder v) {
  return v == ShardRemainder::pad ? "pad" : v == ShardRemainder::drop ? "drop" : "exact";
}

ColorMode parse_color_mode(const std::string& t) {
  if (t == "rgb") return ColorMode::rgb;
  if (t == "rgba") return ColorMode::rgba;
  if (t == "grayscale") return ColorMode::grayscale;
  throw UsageError(fmt::format("unknown color_mode '{}'; expected one of: grayscale, rgb, rgba", t));
}

Interpolation parse_interpolation(const std::string& t) {
  if (t == "nearest") return Interpolation::nearest;
  if (t == "bilinear") return Interpolation::bilinear;
  if (t == "bicubic") return Interpolation::bicubic;
  if (t == "area") return Interpolation::area;
  if (t == "box") return Interpolation::box;
  if (t == "hamming") return Interpolation::hamming;
  if (t == "lanczos") return Interpolation::lanczos;
  if (t == "linear_fast") return Interpolation::linear_fast;
  throw UsageError(fmt::format("unknown interpolation '{}'; expected one of: area, bicubic, bilinear, box, hamming, "
                               "lanczos, linear_fast, nearest",
                               t));
}

ImageDType parse_image_dtype(const std::string& t) {
  if (t == "uint8") return ImageDType::uint8;
  if (t == "float32") return ImageDType::float32;
  throw UsageError(fmt::format("unknown dtype '{}'; expected one of: float32, uint8", t));
}

DataFormat parse_data_format(const std::string& t) {
  if (t == "channels_last") return DataFormat::channels_last;
  if (t == "channels_first") return DataFormat::channels_first;
  throw UsageError(fmt::format("unknown data_format '{}'; expected one of: channels_first, channels_last", t));
}

OnError parse_on_error(const std::string& t) {
  if (t == "raise" || t == "error") return OnError::raise;
  if (t == "skip") return OnError::skip;
  if (t == "warn") return OnError::warn;
  throw UsageError(fmt::format("unknown on_error '{}'; expected one of: raise, skip, warn", t));
}

ShardRemainder parse_shard_remainder(const std::string& t) {
  if (t == "pad") return ShardRemainder::pad;
  if (t == "drop") return ShardRemainder::drop;
  if (t == "exact") return ShardRemainder::exact;
  throw UsageError(fmt::format("unknown shard_remainder '{}'; expected one of: drop, exact, pad", t));
}

namespace {
std::optional<int32_t> env_int(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  char* end = nullptr;
  long x = std::strtol(v, &end, 10);
  if (*end != '\0' || x < 0 || x > 1000000)
    throw UsageError(fmt::format("environment variable {}='{}' is not a valid number; expected an integer >= 0", name, v));
  return static_cast<int32_t>(x);
}
}  // namespace

std::optional<std::array<int32_t, 2>> shard_from_environment() {
  for (auto [rank, size] : {std::pair{"RANK", "WORLD_SIZE"}, std::pair{"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"},
                            std::pair{"SLURM_PROCID", "SLURM_NTASKS"}, std::pair{"PMI_RANK", "PMI_SIZE"}}) {
    auto r = env_int(rank);
    auto w = env_int(size);
    if (r && w) return std::array<int32_t, 2>{*r, *w};
  }
  return std::nullopt;
}

std::array<int32_t, 2> parse_target_size(const std::string& t) {
  auto x = t.find_first_of("xX");
  auto bad = [&] {
    return UsageError(fmt::format("target_size '{}' is not HxW; expected height x width in pixels, e.g. 224x224", t));
  };
  if (x == std::string::npos || x == 0 || x + 1 >= t.size()) throw bad();
  char* end = nullptr;
  long h = std::strtol(t.c_str(), &end, 10);
  if (end != t.c_str() + x) throw bad();
  long w = std::strtol(t.c_str() + x + 1, &end, 10);
  if (*end != '\0') throw bad();
  std::array<int32_t, 2> size{static_cast<int32_t>(std::clamp<long>(h, -1, 1 << 30)),
                              static_cast<int32_t>(std::clamp<long>(w, -1, 1 << 30))};
  if (size[0] != h || size[1] != w)
    throw UsageError(fmt::format("target_size '{}' is out of range; expected height and width in 1..65535", t));
  check_target_size(size);
  return size;
}

namespace {
// Bytes in the unit that shows them ("0.0 GiB" for a batch of 3 MiB said nothing).
std::string human_size(double bytes) {
  if (bytes < 1024.0 * 1024.0 * 1024.0) return fmt::format("{:.1f} MiB", bytes / (1024.0 * 1024.0));
  return fmt::format("{:.1f} GiB", bytes / (1024.0 * 1024.0 * 1024.0));
}
}  // namespace

void check_loader_options(const LoaderOptions& o) {
  if (o.batch_size < 1) throw UsageError(fmt::format("batch_size '{}' is out of range; expected >= 1", o.batch_size));
  check_target_size(o.target_size);
  // Each worker is a thread of this process, kept for later streams: 100,000 of them took every
  // process id the machine had left. 256 is far past where decoding stops scaling.
  if (o.num_workers < 1 || o.num_workers > kMaxNumWorkers)
    throw UsageError(fmt::format("num_workers '{}' is out of range; expected 1..{} (this machine has {} cores)",
                                 o.num_workers, kMaxNumWorkers, std::thread::hardware_concurrency()));
  if (o.prefetch < 1) throw UsageError(fmt::format("prefetch '{}' is out of range; expected >= 1", o.prefetch));
  detail::check_sampling_name(o.sampling);
  if (o.cache.find('\0') != std::string::npos)  // the OS would use the folder named by the part before it
    throw UsageError(
        fmt::format("cache '{}' has a NUL character in its name; expected 'memory' or a folder path", o.cache));
  if (o.samples_per_epoch < 0)
    throw UsageError(fmt::format("samples_per_epoch '{}' is out of range; expected >= 0", o.samples_per_epoch));
  if (o.num_shards < 1 || o.shard_id < 0 || o.shard_id >= o.num_shards)
    throw UsageError(fmt::format("shard_id '{}' of num_shards '{}' is out of range; expected 0 <= shard_id < "
                                 "num_shards",
                                 o.shard_id, o.num_shards));
  if (o.max_image_pixels < 0)
    throw UsageError(fmt::format("max_image_pixels '{}' is out of range; expected >= 0 (0 disables the limit)",
                                 o.max_image_pixels));
  if (!std::isfinite(o.rescale))
    throw UsageError(fmt::format("rescale '{}' is not a finite number; expected e.g. 0.00392156862745098", o.rescale));
  if (o.rescale != 0.0f && o.dtype == ImageDType::uint8)
    throw UsageError("rescale needs dtype float32; expected --dtype float32 (dtype='float32') with --rescale");
  if (o.standardize.any() && o.dtype == ImageDType::uint8)
    throw UsageError("samplewise_center, samplewise_std_normalization, mean and std need dtype float32; expected "
                     "--dtype float32 with them");
  const std::size_t nchannels = o.color_mode == ColorMode::grayscale ? 1 : o.color_mode == ColorMode::rgba ? 4 : 3;
  for (const auto* v : {&o.standardize.mean, &o.standardize.std})
    if (!v->empty() && v->size() != 1 && v->size() != nchannels)
      throw UsageError(fmt::format("augment '{}' has {} values for {} channels; expected 1 or {}",
                                   v == &o.standardize.mean ? "mean" : "std", v->size(), nchannels, nchannels));
  // Refuse up front what cannot fit, instead of a bad_alloc minutes into the run.
  const double channels = o.color_mode == ColorMode::grayscale ? 1 : o.color_mode == ColorMode::rgba ? 4 : 3;
  const double batch = static_cast<double>(o.batch_size) * o.target_size[0] * o.target_size[1] * channels *
                       (o.dtype == ImageDType::float32 ? 4 : 1);
  const double in_flight = static_cast<double>(o.prefetch) + 1;
  const double memory = static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGESIZE));
  if (memory > 0 && batch * in_flight > memory)
    throw UsageError(
        fmt::format("batch_size {} of {}x{} images needs {} per batch, {} for the {} batches in flight, "
                    "more than this machine's {} of memory; expected a smaller target_size or batch_size "
                    "(or a smaller prefetch)",
                    o.batch_size, o.target_size[0], o.target_size[1], human_size(batch), human_size(batch * in_flight),
                    static_cast<int>(in_flight), human_size(memory)));
}

int jpeg_draft_margin(const LoaderOptions& o) {
  if (o.interpolation == Interpolation::nearest) return 0;  // bit-exact with Pillow, always
  if (o.jpeg_draft) return *o.jpeg_draft ? 1 : 0;
  // Pillow's filters decode at full size unless asked: a DCT-scaled decode is not their
  // antialiasing, and how far it lands from Pillow's pixels depends on the photo's texture, not
  // on the margin (Debian's wallpapers at 224 decoded while >= 2x target: mean |diff| 0.02-0.92,
  // 99.9th percentile up to 12; even >= 4x: up to 0.23 and 4). OpenCV's own filters make no such
  // promise, so they take the speed.
  return o.interpolation == Interpolation::area || o.interpolation == Interpolation::linear_fast ? 1 : 0;
}

void check_target_size(const std::array<int32_t, 2>& size) {
  if (size[0] < 1 || size[1] < 1 || size[0] > 65535 || size[1] > 65535)
    throw UsageError(fmt::format("target_size '{}x{}' is out of range; expected height and width in 1..65535",
                                 size[0], size[1]));
}

void apply_shard(LoaderOptions& o, std::optional<int32_t> num_shards, std::optional<int32_t> shard_id) {
  if (num_shards || shard_id) {
    o.num_shards = num_shards.value_or(1);
    o.shard_id = shard_id.value_or(0);
  } else if (auto env = shard_from_environment()) {  // torchrun / mpirun launched us
    o.shard_id = (*env)[0];
    o.num_shards = (*env)[1];
  } else {
    o.shard_id = 0;
    o.num_shards = 1;
  }
}

std::array<uint8_t, 3> parse_alpha_background(const std::string& text) {
  std::array<uint8_t, 3> rgb{};
  std::size_t start = 0;
  for (int i = 0; i < 3; ++i) {
    std::size_t end = text.find(',', start);
    if ((i < 2) == (end == std::string::npos))
      throw UsageError(fmt::format("alpha_background '{}' is not R,G,B; expected e.g. 255,255,255", text));
    std::string part = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    char* stop = nullptr;
    long v = std::strtol(part.c_str(), &stop, 10);
    if (part.empty() || *stop != '\0' || v < 0 || v > 255)
      throw UsageError(fmt::format("alpha_background '{}' is not R,G,B; expected three values 0..255", text));
    rgb[static_cast<std::size_t>(i)] = static_cast<uint8_t>(v);
    start = end + 1;
  }
  return rgb;
}

namespace {
std::vector<float> parse_floats(const std::string& key, const std::string& text) {
  std::vector<float> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string part = text.substr(start, end - start);
    char* stop = nullptr;
    double v = std::strtod(part.c_str(), &stop);
    if (part.empty() || *stop != '\0' || !std::isfinite(v))
      throw UsageError(fmt::format("augment '{}' value '{}' is not a list of numbers; expected e.g. {}=0.5,0.5,0.5",
                                   key, text, key));
    out.push_back(static_cast<float>(v));
    start = end + 1;
  }
  return out;
}

bool parse_flag(const std::string& key, const std::string& v) {
  if (v == "1" || v == "true" || v == "True") return true;
  if (v == "0" || v == "false" || v == "False") return false;
  throw UsageError(fmt::format("augment '{}' value '{}' is not a boolean; expected one of: 1, 0, true, false", key, v));
}
}  // namespace

void add_augmentation(LoaderOptions& o, const std::vector<std::pair<std::string, std::string>>& augment) {
  static const std::vector<std::string> keras_keys{"rotation_range",      "width_shift_range", "height_shift_range",
                                                   "shear_range",         "zoom_range",        "channel_shift_range",
                                                   "brightness_range",    "horizontal_flip",   "vertical_flip",
                                                   "fill_mode",           "cval"};
  TransformSpec keras{"keras", {}}, crop{"random_resized_crop", {}};
  for (const auto& [key, value] : augment) {
    if (std::find(keras_keys.begin(), keras_keys.end(), key) != keras_keys.end()) {
      keras.options.emplace_back(key, value);
    } else if (key == "crop_scale" || key == "crop_ratio") {
      crop.options.emplace_back(key == "crop_scale" ? "scale" : "ratio", value);
    } else if (key == "samplewise_center") {
      o.standardize.samplewise_center = parse_flag(key, value);
    } else if (key == "samplewise_std_normalization") {
      o.standardize.samplewise_std_normalization = parse_flag(key, value);
    } else if (key == "mean") {
      o.standardize.mean = parse_floats(key, value);
    } else if (key == "std") {
      o.standardize.std = parse_floats(key, value);
      for (float v : o.standardize.std)
        if (v == 0.0f) throw UsageError(fmt::format("augment 'std' value '{}' holds 0; expected non-zero divisors", value));
    } else {
      std::vector<std::string> all = keras_keys;
      for (const char* k : {"crop_ratio", "crop_scale", "mean", "samplewise_center", "samplewise_std_normalization", "std"})
        all.emplace_back(k);
      std::sort(all.begin(), all.end());
      throw UsageError(fmt::format("unknown augment '{}'; expected one of: {}", key, fmt::join(all, ", ")));
    }
  }
  if (!crop.options.empty()) o.transforms.push_back(std::move(crop));
  if (!keras.options.empty()) o.transforms.push_back(std::move(keras));
}

TransformSpec parse_transform_spec(const std::string& text) {
  TransformSpec spec;
  const auto colon = text.find(':');
  spec.name = text.substr(0, colon);
  if (spec.name.empty())
    throw UsageError(fmt::format("transform '{}' has no name; expected NAME or NAME:key=value,...", text));
  if (colon == std::string::npos) return spec;
  std::size_t start = colon + 1;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    const auto eq = item.find('=');
    if (eq == std::string::npos && !spec.options.empty() && !item.empty()) {
      // A value with commas (a range such as scale=0.08,1.0): this item continues it.
      spec.options.back().second += "," + item;
      start = end + 1;
      continue;
    }
    if (eq == std::string::npos || eq == 0)
      throw UsageError(fmt::format("transform '{}' option '{}' is not key=value; expected NAME:key=value,...", text, item));
    spec.options.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    start = end + 1;
  }
  return spec;
}

}  // namespace classflow
