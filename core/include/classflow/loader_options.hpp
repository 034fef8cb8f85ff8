// classflow core: every DataLoader option, with its default and meaning.
#pragma once

#include <classflow/export.hpp>
#include <classflow/image_transform.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace classflow {

/// Channels of the output images (Keras `color_mode`).
enum class ColorMode { rgb, rgba, grayscale };
/// The most decode threads a loader may ask for (num_workers): each is a thread of the process,
/// kept between streams.
inline constexpr int32_t kMaxNumWorkers = 256;

/// Resampling filter used to reach target_size. Keras's names give Pillow's pixels (what Keras
/// load_img and torchvision Resize feed a model): antialiased when shrinking, bit-exact with
/// Pillow for 8-bit images.
enum class Interpolation {
  nearest,      ///< Pillow NEAREST (bit-exact), Keras's default
  bilinear,     ///< Pillow BILINEAR (antialiased; torchvision Resize's default)
  bicubic,      ///< Pillow BICUBIC
  lanczos,      ///< Pillow LANCZOS
  box,          ///< Pillow BOX
  hamming,      ///< Pillow HAMMING
  area,         ///< OpenCV INTER_AREA
  linear_fast,  ///< OpenCV INTER_LINEAR: fast, not antialiased (aliases when shrinking), not Pillow's
};
/// Element type of the image tensor.
enum class ImageDType { uint8, float32 };
/// Memory layout of the image tensor.
enum class DataFormat {
  channels_last,   ///< [N, H, W, C] (Keras default)
  channels_first,  ///< [N, C, H, W] (PyTorch)
};
/// What happens to a file that cannot be decoded (truncated, empty, not an image, too large).
enum class OnError {
  raise,  ///< throw DataError naming the path and the reason (default)
  skip,   ///< drop the sample from its batch, warn with the path, count it
  warn,   ///< same as skip (kept as an alias users of other loaders expect)
};

/// What a shard does with the remainder when N is not a multiple of num_shards.
enum class ShardRemainder {
  pad,   ///< repeat indices from the start of the permutation so every shard has ceil(N/W)
  drop,  ///< drop the tail so every shard has floor(N/W)
  exact, ///< no padding, nothing dropped: shard r takes P[r::W], every sample exactly once
         ///< (shards differ by at most one sample; for evaluation)
};

/// The flag spelling of each choice ("rgb", "bilinear", "channels_first", ...).
CLASSFLOW_CORE_API const char* name_of(ColorMode v);
CLASSFLOW_CORE_API const char* name_of(Interpolation v);
CLASSFLOW_CORE_API const char* name_of(ImageDType v);
CLASSFLOW_CORE_API const char* name_of(DataFormat v);
CLASSFLOW_CORE_API const char* name_of(OnError v);
CLASSFLOW_CORE_API const char* name_of(ShardRemainder v);

/// Parsers for the flag spellings; each @throws UsageError listing the valid choices.
CLASSFLOW_CORE_API ColorMode parse_color_mode(const std::string& text);
CLASSFLOW_CORE_API Interpolation parse_interpolation(const std::string& text);
CLASSFLOW_CORE_API ImageDType parse_image_dtype(const std::string& text);
CLASSFLOW_CORE_API DataFormat parse_data_format(const std::string& text);
CLASSFLOW_CORE_API OnError parse_on_error(const std::string& text);
CLASSFLOW_CORE_API ShardRemainder parse_shard_remainder(const std::string& text);

/// (shard_id, num_shards) from the launcher's environment when present, first found of: torchrun's
/// RANK / WORLD_SIZE, Open MPI's OMPI_COMM_WORLD_RANK / OMPI_COMM_WORLD_SIZE, SLURM's SLURM_PROCID /
/// SLURM_NTASKS, MPICH and Intel MPI's PMI_RANK / PMI_SIZE; nullopt if none.
/// @throws UsageError when a variable is set but not a valid number.
CLASSFLOW_CORE_API std::optional<std::array<int32_t, 2>> shard_from_environment();
/// Parses "HxW" (e.g. "224x224", height first). @throws UsageError on another form.
CLASSFLOW_CORE_API std::array<int32_t, 2> parse_target_size(const std::string& text);
/// @throws UsageError unless both sides of (height, width) are in 1..65535.
CLASSFLOW_CORE_API void check_target_size(const std::array<int32_t, 2>& size);
/// Parses "R,G,B" (each 0..255), the colour transparent pixels are composited on.
/// @throws UsageError on another form or a value out of range.
CLASSFLOW_CORE_API std::array<uint8_t, 3> parse_alpha_background(const std::string& text);

/// Pillow's decompression-bomb limit (2 x Image.MAX_IMAGE_PIXELS): the default max_image_pixels.
inline constexpr int64_t kDefaultMaxImagePixels = 178956970;

/// Keras ImageDataGenerator.standardize and torchvision Normalize: run on float32 images after
/// rescale, in this order (Keras's order). Default: all off.
struct Standardize {
  bool samplewise_center = false;             ///< x -= mean(x) over the whole image (Keras)
  bool samplewise_std_normalization = false;  ///< x /= (std(x) + 1e-6) (Keras)
  std::vector<float> mean;  ///< per channel (or one for all), subtracted (torchvision Normalize); empty = off
  std::vector<float> std;   ///< per channel (or one for all) divisor; empty = off
  /// True when any step is on.
  bool any() const { return samplewise_center || samplewise_std_normalization || !mean.empty() || !std.empty(); }
};

/// DataLoader configuration. Defaults follow Keras flow_from_directory unless noted.
struct LoaderOptions {
  std::array<int32_t, 2> target_size{256, 256};  ///< (height, width) in pixels; default 256x256 (Keras)
  ColorMode color_mode = ColorMode::rgb;           ///< default rgb
  Interpolation interpolation = Interpolation::nearest;  ///< default nearest (Keras)
  bool keep_aspect_ratio = false;  ///< centre-crop to the target aspect before resizing (Keras formula)
  ImageDType dtype = ImageDType::float32;          ///< default float32 (Keras), values 0..255
  float rescale = 0.0f;            ///< multiply float32 pixels by this; 0 = off (Keras rescale=None)
  DataFormat data_format = DataFormat::channels_last;  ///< default channels_last
  std::optional<std::array<uint8_t, 3>> alpha_background;  ///< composite alpha on this colour; default: drop alpha like Pillow
  bool apply_orientation = true;   ///< apply EXIF orientation; default true
  /// JPEG DCT scaling (decode at 1/2, 1/4 or 1/8 scale before resizing). true: while the
  /// scaled image stays >= target, as Pillow's `im.draft('RGB', target)` (Image.thumbnail) picks
  /// its scale: the same pixels as Pillow after draft(), fastest on large photos; false: never.
  /// Unset (default): never for Pillow's filters (bit-exact with Keras load_img / torchvision
  /// Resize), as true for area and linear_fast (OpenCV's pixels). Never with nearest.
  std::optional<bool> jpeg_draft;
  /// Resized-image cache (`--cache`): "" off (default); "memory" keeps each resized uint8 image
  /// in this process after its first decode; any other value is a folder of one checked file
  /// per image, reused by later runs. Later epochs skip read, decode and resize; after-resize
  /// augmentation still runs every epoch. A before-resize random transform (crops) turns it
  /// off with a warning (DataLoader::warnings).
  std::string cache;
  int32_t batch_size = 32;         ///< images per batch; default 32 (Keras)
  bool shuffle = true;             ///< new order every epoch; default true (Keras)
  uint32_t seed = 0;               ///< shuffle seed; default 0 (fixed: never random unless asked)
  bool drop_last = false;          ///< drop the last short batch; default false (Keras keeps it)
  int32_t num_workers = 2;         ///< decode threads, 1..kMaxNumWorkers; default 2
  int32_t prefetch = 2;            ///< batches decoded ahead of the consumer; default 2
  OnError on_error = OnError::raise;   ///< default raise
  int64_t max_image_pixels = kDefaultMaxImagePixels;  ///< reject larger images before decoding; 0 = no limit
  int32_t shard_id = 0;            ///< this shard, 0..num_shards-1; default 0
  int32_t num_shards = 1;          ///< shards sharing each epoch (PyTorch DistributedSampler); default 1
  ShardRemainder shard_remainder = ShardRemainder::pad;  ///< default pad (DistributedSampler)
  /// Which samples an epoch visits (`--sampling`): "uniform" (default: every sample once, in the
  /// shuffle order); "balanced": each position draws a sample with probability proportional
  /// to 1 / (its class's count), with replacement (torch
  /// WeightedRandomSampler), so every class is equally likely; "weights:FILE": probabilities
  /// proportional to the weights in FILE (JSON: {"class name": w} per class, or [w0, w1, ...]
  /// per sample in filenames order). Draws are counter-based on (seed, epoch, position): the
  /// same for any worker count, resumable, and every shard takes its part of one sequence.
  std::string sampling = "uniform";
  int64_t samples_per_epoch = 0;  ///< draws per epoch with balanced / weights (0 = the number of samples)
  /// Augmentation, run in this order on the decode workers: before-resize transforms on the
  /// decoded image, after-resize ones on the target_size image (8 bits per sample, as decoded;
  /// Keras's float augmentation of the same pixels differs by the rounding of each result).
  /// Each draws from its own counter-based stream keyed by (seed, epoch, sample index, position
  /// in this list). Default none.
  std::vector<TransformSpec> transforms;
  Standardize standardize;  ///< after rescale; default off
};

/// Sets options.num_shards / shard_id: the given values when either is given (the other
/// defaults to 1 shard / shard 0), else the launcher's environment (shard_from_environment),
/// else one shard. @throws UsageError as shard_from_environment.
CLASSFLOW_CORE_API void apply_shard(LoaderOptions& options, std::optional<int32_t> num_shards,
                                    std::optional<int32_t> shard_id);

/// Checks every option once, before any file is read (the CLI and Python call it before the
/// scan; DataLoader calls it again): ranges (batch_size, num_workers, prefetch >= 1; shards;
/// max_image_pixels >= 0; a finite rescale, only with float32) and memory — the batches in
/// flight (prefetch + 1 of batch_size x H x W x C elements) must fit in this
/// machine's physical memory, named in bytes otherwise.
/// @throws UsageError naming the option, its value and the valid range.
CLASSFLOW_CORE_API void check_loader_options(const LoaderOptions& options);

/// Adds `--augment key=value` items (Keras ImageDataGenerator names) to `options`: rotation_range,
/// width_shift_range, height_shift_range, shear_range, zoom_range, channel_shift_range,
/// brightness_range, horizontal_flip, vertical_flip, fill_mode, cval go to one `keras`
/// transform (after resize); samplewise_center, samplewise_std_normalization, and mean / std
/// (torchvision Normalize, per channel "a,b,c") go to options.standardize; crop_scale /
/// crop_ratio ("lo,hi") add a `random_resized_crop` transform (before resize, torchvision
/// RandomResizedCrop). @throws UsageError for an unknown key (listing them) or a bad value.
CLASSFLOW_CORE_API void add_augmentation(LoaderOptions& options,
                                         const std::vector<std::pair<std::string, std::string>>& augment);
/// Parses "NAME" or "NAME:key=value,key=value" (`--transform`). @throws UsageError on another form.
CLASSFLOW_CORE_API TransformSpec parse_transform_spec(const std::string& text);

/// How many times target_size a JPEG must still be after DCT scaling (see jpeg_draft): 0 = never
/// scaled (the default for Pillow's filters, jpeg_draft false, nearest always), 1 = Pillow's
/// draft() (jpeg_draft true; area and linear_fast by default).
CLASSFLOW_CORE_API int jpeg_draft_margin(const LoaderOptions& options);

}  // namespace classflow
