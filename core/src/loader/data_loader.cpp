// DataLoader: epoch order, batch assembly, and the background BatchStream.
#include <classflow/data_loader.hpp>
#include <classflow/error.hpp>
#include <classflow/registry.hpp>

#include "image/image_pipeline.hpp"
#include "image/pixel_convert.hpp"
#include "loader/image_cache.hpp"
#include "loader/sampling.hpp"
#include "loader/worker_threads.hpp"
#include "random/numpy_random.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

namespace classflow {

namespace {
int channels_of(const LoaderOptions& o) {
  switch (o.color_mode) {
    case ColorMode::grayscale: return 1;
    case ColorMode::rgba: return 4;
    case ColorMode::rgb: break;
  }
  return 3;
}

// Bytes of one image of a batch.
std::size_t image_bytes_of(const LoaderOptions& o) {
  const sdk::DType dt = o.dtype == ImageDType::uint8 ? sdk::DType::uint8 : sdk::DType::float32;
  return static_cast<std::size_t>(o.target_size[0]) * o.target_size[1] * channels_of(o) * sdk::dtype_size(dt);
}

// Batches from this size are written with non-temporal stores where the resize writes them
// directly: far beyond a core's caches, so caching them only costs reading every line in first
// (the small set's resize took ~190 us per image that way, ~130 us streamed).
constexpr std::size_t kStreamBatchesFrom = std::size_t{8} << 20;

// Reserves the buffers a stream fills at once, of `images` images each: `prefetch` batches in
// flight (BatchStream), at most 4 and the `batches` there are.
void reserve_first_batches(const LoaderOptions& o, int64_t images, int64_t batches) {
  const int64_t count = std::min<int64_t>({std::max<int64_t>(o.prefetch, 1), 4, batches});
  detail::reserve_tensor_bytes(static_cast<std::size_t>(images) * image_bytes_of(o), static_cast<int>(count));
}
}  // namespace

struct DataLoader::Impl {
  std::shared_ptr<const Registry> registry;
  Dataset dataset;
  LoaderOptions options;
  LabelSpec labels;
  std::shared_ptr<const LabelEncoder> encoder;
  detail::Augmentation augmentation;
  std::vector<std::string> absolute_paths;
  int64_t num_batches = 0;
  mutable std::atomic<int64_t> skipped{0};
  // Image buffers of batches the consumer handed back, reused by later batches and epochs: in
  // steady state no batch allocates, so RSS stays flat.
  mutable std::mutex pool_mutex;
  mutable std::vector<TensorBytes> pool;
  // flow --profile: nanoseconds per stage, summed over the threads that ran it.
  struct Profile {
    std::atomic<int64_t> read_ns{0}, decode_ns{0}, resize_ns{0}, store_ns{0}, encode_ns{0}, wait_ns{0};
    std::atomic<int64_t> images{0}, batches{0}, cache_hits{0}, batch_buffers{0};
  };
  mutable Profile profile;
  std::unique_ptr<detail::ImageCache> cache;  // --cache; null when off
  std::vector<double> sampling_cumulative;  // --sampling balanced / weights: running sums; empty = uniform
  int64_t epoch_length = 0;                 // positions per epoch (all shards): N, or samples_per_epoch
  std::vector<std::string> warnings;
  using Clock = std::chrono::steady_clock;
  static int64_t ns(Clock::duration d) { return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count(); }

  TensorBytes take_buffer() const {
    std::lock_guard<std::mutex> lock(pool_mutex);
    if (pool.empty()) return {};
    TensorBytes b = std::move(pool.back());
    pool.pop_back();
    return b;
  }
  // Keeps what a stream cycles: prefetch batches in flight and the 2 a Python loop holds while
  // the next arrives (at least 4); a larger prefetch would otherwise allocate anew every epoch.
  void give_buffer(TensorBytes&& b) const {
    if (b.capacity() == 0) return;
    const std::size_t keep = static_cast<std::size_t>(std::max<int64_t>(4, options.prefetch + 2));
    std::lock_guard<std::mutex> lock(pool_mutex);
    if (pool.size() < keep) pool.push_back(std::move(b));
  }
  mutable std::mutex order_mutex;
  mutable int64_t cached_epoch = -1;
  mutable std::shared_ptr<const std::vector<int64_t>> cached_order;

  int channels() const { return channels_of(options); }

  int64_t shard_size = 0;
  int64_t full_num_batches = 0;  // unsharded batches per epoch: the Keras reseed step

  // The epoch permutation P of all samples (every shard computes the same).
  std::vector<int64_t> permutation(int64_t epoch) const {
    if (!sampling_cumulative.empty())
      return detail::draw_samples(sampling_cumulative, options.seed, epoch, epoch_length);
    const int64_t n = dataset.num_samples();
    if (!options.shuffle) {
      std::vector<int64_t> p(static_cast<std::size_t>(n));
      for (int64_t i = 0; i < n; ++i) p[static_cast<std::size_t>(i)] = i;
      return p;
    }
    // Keras reseeds each epoch with seed + total_batches_seen.
    auto seed = static_cast<uint32_t>(options.seed + static_cast<uint64_t>(epoch) * static_cast<uint64_t>(full_num_batches));
    return detail::NumpyRandomState(seed).permutation(n);
  }

  // The shard arithmetic, in one place: list `p` extended (pad: repeating its start) or cut
  // (drop) to a multiple of w, or left as it is (exact), then every w-th item from r
  // (PyTorch DistributedSampler).
  static std::vector<int64_t> shard_of(std::vector<int64_t> p, int64_t r, int64_t w, ShardRemainder mode) {
    if (w == 1) return p;
    const int64_t n = static_cast<int64_t>(p.size());
    int64_t total = n;
    if (mode == ShardRemainder::pad) total = (n + w - 1) / w * w;
    if (mode == ShardRemainder::drop) total = n / w * w;
    for (int64_t i = 0; n > 0 && static_cast<int64_t>(p.size()) < total; ++i) p.push_back(p[static_cast<std::size_t>(i)]);
    p.resize(static_cast<std::size_t>(total));
    std::vector<int64_t> o;
    for (int64_t i = r; i < total; i += w) o.push_back(p[static_cast<std::size_t>(i)]);
    return o;
  }

  int64_t batches_of(int64_t size) const {
    const int64_t bs = options.batch_size;
    return options.drop_last ? size / bs : (size + bs - 1) / bs;
  }

  // An epoch resumed with another shard count mid-way: the rest of that epoch, this shard's part.
  struct ResumedEpoch {
    int64_t epoch = -1;
    std::shared_ptr<const std::vector<int64_t>> order;
  };
  ResumedEpoch resumed;  // guarded by order_mutex

  std::shared_ptr<const std::vector<int64_t>> order(int64_t epoch) const {
    if (epoch < 0) throw UsageError(fmt::format("epoch '{}' is out of range; expected >= 0", epoch));
    std::lock_guard<std::mutex> lock(order_mutex);
    if (resumed.order && resumed.epoch == epoch) return resumed.order;
    if (cached_order && cached_epoch == epoch) return cached_order;
    cached_epoch = epoch;
    cached_order = std::make_shared<const std::vector<int64_t>>(
        shard_of(permutation(epoch), options.shard_id, options.num_shards, options.shard_remainder));
    return cached_order;
  }

  int64_t epoch_batches(int64_t epoch) const {
    if (epoch < 0) throw UsageError(fmt::format("epoch '{}' is out of range; expected >= 0", epoch));
    {
      std::lock_guard<std::mutex> lock(order_mutex);
      if (resumed.order && resumed.epoch == epoch) return batches_of(static_cast<int64_t>(resumed.order->size()));
    }
    return num_batches;
  }

  // Copies one [H, W, C] uint8 image into slot `i` of the batch tensor with dtype/layout/rescale,
  // through OpenCV's vectorised convertTo / split rather than a per-element loop.
  void store(const cv::Mat& img, Tensor& images, int64_t i) const {
    const int h = options.target_size[0], w = options.target_size[1], c = channels();
    const bool first = options.data_format == DataFormat::channels_first;
    const bool f32 = options.dtype == ImageDType::float32;
    const double scale = options.rescale != 0.0f ? options.rescale : 1.0;
    const std::size_t elem = f32 ? 4 : 1;
    unsigned char* slot = images.data.data() + static_cast<std::size_t>(i) * h * w * c * elem;
    const int depth = f32 ? CV_32F : CV_8U;
    if (options.standardize.any()) {
      // Keras standardize: rescale first, then the sample-wise steps, then Normalize.
      thread_local cv::Mat work;  // per thread: see detail::reusable()
      cv::Mat& f = detail::reusable(work);
      img.convertTo(f, CV_MAKETYPE(CV_32F, c), scale);
      standardize(f);
      if (!first) {
        f.copyTo(cv::Mat(h, w, CV_MAKETYPE(CV_32F, c), slot));
      } else {
        std::vector<cv::Mat> planes;
        for (int k = 0; k < c; ++k) planes.emplace_back(h, w, CV_32FC1, slot + static_cast<std::size_t>(k) * h * w * 4);
        cv::split(f, planes);
      }
      return;
    }
    if (!first) {
      if (f32 && img.isContinuous() && img.depth() == CV_8U) {
        // float(x) * scale: the same value convertTo gives (Keras: x * rescale in float32).
        detail::u8_to_f32(img.data, reinterpret_cast<float*>(slot), img.total() * img.channels(),
                          static_cast<float>(scale));
        return;
      }
      cv::Mat dst(h, w, CV_MAKETYPE(depth, c), slot);
      img.convertTo(dst, depth, scale);
      return;
    }
    std::vector<cv::Mat> planes;
    for (int k = 0; k < c; ++k) planes.emplace_back(h, w, CV_MAKETYPE(depth, 1), slot + static_cast<std::size_t>(k) * h * w * elem);
    if (!f32) {
      cv::split(img, planes);
      return;
    }
    thread_local std::vector<cv::Mat> bytes;  // per thread, reused (see detail::reusable())
    cv::split(img, bytes);
    for (int k = 0; k < c; ++k) bytes[static_cast<std::size_t>(k)].convertTo(planes[static_cast<std::size_t>(k)], CV_32F, scale);
  }

  // samplewise_center / samplewise_std_normalization (Keras), then mean / std (torchvision
  // Normalize), on a float32 image already rescaled.
  void standardize(cv::Mat& f) const {
    const Standardize& s = options.standardize;
    if (s.samplewise_center || s.samplewise_std_normalization) {
      cv::Mat flat = f.reshape(1);
      cv::Scalar mean, stddev;
      cv::meanStdDev(flat, mean, stddev);
      if (s.samplewise_center) flat -= mean[0];
      if (s.samplewise_std_normalization) flat /= (stddev[0] + 1e-6);
    }
    if (!s.mean.empty() || !s.std.empty()) {
      const int c = f.channels();
      cv::Scalar m = cv::Scalar::all(0), d = cv::Scalar::all(1);
      for (int k = 0; k < c; ++k) {
        if (!s.mean.empty()) m[k] = s.mean[s.mean.size() == 1 ? 0 : static_cast<std::size_t>(k)];
        if (!s.std.empty()) d[k] = s.std[s.std.size() == 1 ? 0 : static_cast<std::size_t>(k)];
      }
      if (c <= 4) {
        cv::subtract(f, m, f);
        cv::divide(f, d, f);
      }
    }
  }

  Batch make_batch(int64_t index, int64_t epoch, TensorBytes recycled = {}) const {
    const int64_t batches = epoch_batches(epoch);
    if (index < 0 || index >= batches)
      throw UsageError(fmt::format("batch index '{}' is out of range; expected 0..{}", index, batches - 1));
    auto ord = order(epoch);
    const auto [begin, end] = batch_range(*ord, index);
    return make_items(*ord, begin, end, index, epoch, std::move(recycled));
  }

  // Positions [begin, end) of `ord` that batch `index` holds.
  std::pair<int64_t, int64_t> batch_range(const std::vector<int64_t>& ord, int64_t index) const {
    const int64_t bs = options.batch_size;
    const int64_t begin = index * bs;
    return {begin, std::min<int64_t>(begin + bs, static_cast<int64_t>(ord.size()))};
  }

  std::size_t image_bytes() const { return image_bytes_of(options); }

  // An empty batch `index` of `epoch` with room for `count` images (a recycled buffer if given).
  Batch open_batch(int64_t index, int64_t epoch, int64_t count, TensorBytes recycled = {}) const {
    Batch b;
    b.epoch = epoch;
    b.index = index;
    b.images.dtype = options.dtype == ImageDType::uint8 ? sdk::DType::uint8 : sdk::DType::float32;
    b.images.data = std::move(recycled);  // reuse a consumed batch's buffer: no page faults, no RSS drift
    // A new buffer, or a pooled one too small (a short last batch's) that resize() replaces.
    if (b.images.data.capacity() < static_cast<std::size_t>(count) * image_bytes()) profile.batch_buffers += 1;
    try {
      b.images.data.resize(static_cast<std::size_t>(count) * image_bytes());
    } catch (const std::bad_alloc&) {
      throw UsageError(fmt::format("batch {} of {} images of {}x{} needs {} bytes and memory ran out; expected a "
                                   "smaller batch_size or target_size",
                                   index, count, options.target_size[0], options.target_size[1],
                                   static_cast<std::size_t>(count) * image_bytes()));
    }
    return b;
  }

  // Sample `s` loaded and stored into slot `slot` of `b`; the reason when it is skipped
  // (on_error=skip). @throws what loading throws under on_error=raise.
  std::optional<std::string> load_item(Batch& b, int64_t slot, int64_t s, int64_t epoch) const {
    const std::string& path = absolute_paths[static_cast<std::size_t>(s)];
    try {
      const auto t0 = Clock::now();
      detail::StageTimes times;
      const detail::SampleKey key{static_cast<uint64_t>(options.seed), static_cast<uint64_t>(epoch),
                                  static_cast<uint64_t>(s)};
      // float32 channels_last without standardisation: the resize may write the batch slot itself.
      detail::FloatOutput direct;
      const bool fuse = !cache && options.dtype == ImageDType::float32 &&
                        options.data_format == DataFormat::channels_last && !options.standardize.any();
      if (fuse) {
        direct.data = reinterpret_cast<float*>(b.images.data.data() + static_cast<std::size_t>(slot) * image_bytes());
        direct.stride = static_cast<std::size_t>(options.target_size[1]) * channels();
        direct.scale = options.rescale != 0.0f ? options.rescale : 1.0f;
        direct.stream = b.images.data.size() >= kStreamBatchesFrom;
      }
      cv::Mat img = cache ? cached_load(s, path, key, times) : load(path, key, &times, false, fuse ? &direct : nullptr);
      const auto t1 = Clock::now();
      if (!img.empty()) store(img, b.images, slot);
      const auto t2 = Clock::now();
      profile.read_ns += times.read_ns;
      profile.decode_ns += times.decode_ns;
      profile.resize_ns += ns(t1 - t0) - times.read_ns - times.decode_ns;
      profile.store_ns += ns(t2 - t1);
      profile.images += 1;
    } catch (const DataError& e) {
      // The way out, next to the file it names (the skip/warn reason stays the bare message).
      if (options.on_error == OnError::raise)
        throw DataError(std::string(e.what()) + " (on_error skip or warn leaves such files out; check lists them all)");
      return std::string(e.what());
    }
    return std::nullopt;
  }

  // Batch `b` made whole: slots whose item was skipped are squeezed out (order kept), the
  // per-item fields filled, the labels encoded. `ids[k]` is the sample of slot k.
  void finish_batch(Batch& b, const int64_t* ids, int64_t count, const std::vector<std::optional<std::string>>& skip) const {
    const std::size_t per_bytes = image_bytes();
    int64_t n = 0;
    for (int64_t k = 0; k < count; ++k) {
      const int64_t s = ids[k];
      if (skip[static_cast<std::size_t>(k)]) {
        skipped.fetch_add(1);
        b.skipped.push_back({s, absolute_paths[static_cast<std::size_t>(s)], *skip[static_cast<std::size_t>(k)]});
        continue;
      }
      if (n != k)
        std::memmove(b.images.data.data() + static_cast<std::size_t>(n) * per_bytes,
                     b.images.data.data() + static_cast<std::size_t>(k) * per_bytes, per_bytes);
      const Sample& sample = dataset.samples[static_cast<std::size_t>(s)];
      b.sample_indices.push_back(s);
      b.paths.push_back(sample.path);
      b.class_ids.push_back(sample.class_ids.empty() ? -1 : sample.class_ids.front());
      ++n;
    }
    const int64_t h = options.target_size[0], w = options.target_size[1], c = channels();
    b.images.data.resize(static_cast<std::size_t>(n) * per_bytes);
    b.images.shape = options.data_format == DataFormat::channels_first ? std::vector<int64_t>{n, c, h, w}
                                                                       : std::vector<int64_t>{n, h, w, c};
    const auto t0 = Clock::now();
    encode_labels(b);
    profile.encode_ns += ns(Clock::now() - t0);
    profile.batches += 1;
  }

  // Items ord[begin, end) as batch `index` of `epoch` (their augmentation keyed by that epoch),
  // on the calling thread.
  Batch make_items(const std::vector<int64_t>& ord, int64_t begin, int64_t end, int64_t index, int64_t epoch,
                   TensorBytes recycled = {}) const {
    const int64_t count = end - begin;
    Batch b = open_batch(index, epoch, count, std::move(recycled));
    std::vector<std::optional<std::string>> skip(static_cast<std::size_t>(count));
    for (int64_t k = 0; k < count; ++k)
      skip[static_cast<std::size_t>(k)] = load_item(b, k, ord[static_cast<std::size_t>(begin + k)], epoch);
    finish_batch(b, ord.data() + begin, count, skip);
    return b;
  }

  // load() through the resized-image cache: a hit skips read, decode and resize (its time counts
  // as read); a miss loads the resized image and keeps it. After-resize transforms run either way.
  cv::Mat cached_load(int64_t s, const std::string& path, const detail::SampleKey& key, detail::StageTimes& times) const {
    const auto t0 = Clock::now();
    std::optional<cv::Mat> hit = cache->get(s, path);
    cv::Mat img;
    if (hit) {
      times.read_ns = ns(Clock::now() - t0);
      profile.cache_hits += 1;
      img = std::move(*hit);
    } else {
      img = load(path, key, &times, /*resized_only=*/true);
      cache->put(s, path, img);
    }
    if (!augmentation.has_after()) return img;
    // The memory cache shares its pixels: transforms get their own copy.
    return for_file(path, [&] { return augmentation.after_resize(hit ? img.clone() : img, key); });
  }

  // `fn()`, with every failure that belongs to the file at `path` (OpenCV's own errors, memory)
  // turned into a DataError naming it, so on_error=skip can skip it and raise can say which.
  template <class Fn>
  static cv::Mat for_file(const std::string& path, Fn&& fn) {
    try {
      return fn();
    } catch (const Error&) {
      throw;
    } catch (const std::bad_alloc&) {
      throw DataError(fmt::format("image file '{}' cannot be processed: out of memory; expected an image that fits "
                                  "(see max_image_pixels)",
                                  path));
    } catch (const std::exception& e) {
      throw DataError(fmt::format("image file '{}' cannot be processed: {}", path, e.what()));
    }
  }

  // One image, loaded (and augmented) for `key`; failures as for_file.
  cv::Mat load(const std::string& path, const detail::SampleKey& key, detail::StageTimes* times = nullptr,
               bool resized_only = false, const detail::FloatOutput* direct = nullptr) const {
    return for_file(path, [&] {
      const detail::Augmentation* aug = augmentation.empty() ? nullptr : &augmentation;
      if (resized_only) return detail::load_resized(*registry, path, options, aug, key, times);
      return detail::load_image(*registry, path, options, aug, key, times, direct);
    });
  }

  void encode_labels(Batch& b) const {
    if (labels.labels_are_images()) {
      b.labels = b.images;
      return;
    }
    if (!encoder) return;  // none
    const auto n = b.size();
    std::vector<int32_t> ids;
    std::vector<int64_t> offsets{0};
    std::vector<float> values;
    int64_t m = 0;
    for (int64_t s : b.sample_indices) {
      const Sample& sample = dataset.samples[static_cast<std::size_t>(s)];
      ids.insert(ids.end(), sample.class_ids.begin(), sample.class_ids.end());
      offsets.push_back(static_cast<int64_t>(ids.size()));
      m = static_cast<int64_t>(sample.values.size());
      values.insert(values.end(), sample.values.begin(), sample.values.end());
    }
    const auto& desc = encoder->label_desc();
    b.labels.dtype = desc.dtype;
    b.labels.shape = {n};
    b.labels.shape.insert(b.labels.shape.end(), desc.shape.begin(), desc.shape.end());
    b.labels.data.resize(static_cast<std::size_t>(n) * desc.num_bytes());
    encoder->encode(ids.data(), offsets.data(), n, b.labels.data.data(), b.labels.data.size(),
                    values.empty() ? nullptr : values.data(), m);
  }
};

DataLoader::DataLoader(std::shared_ptr<const Registry> registry, Dataset dataset, LabelSpec labels,
                       LoaderOptions options)
    : impl_(std::make_unique<Impl>()) {
  if (!registry) throw UsageError("registry is null; expected a loaded classflow::Registry");
  check_loader_options(options);
  auto& d = *impl_;
  d.registry = std::move(registry);
  d.dataset = std::move(dataset);
  d.options = std::move(options);
  d.labels = labels.bound() ? std::move(labels) : labels.bind(*d.registry, d.dataset);
  d.encoder = d.labels.encoder();
  d.augmentation = detail::Augmentation(*d.registry, d.options);
  if (!d.options.cache.empty()) {
    if (d.augmentation.has_before())
      d.warnings.push_back(fmt::format("cache '{}' is off: a before-resize random transform (e.g. random_resized_crop) "
                                       "makes new pixels every epoch; expected no crop transform to use --cache",
                                       d.options.cache));
    else
      d.cache = std::make_unique<detail::ImageCache>(d.options.cache, d.options, d.dataset.num_samples());
  }
  for (const auto& s : d.dataset.samples) {
    bool absolute = !s.path.empty() && s.path.front() == '/';
    const std::string& base = d.dataset.base_directory.empty() ? d.dataset.root : d.dataset.base_directory;
    d.absolute_paths.push_back(absolute ? s.path : base + "/" + s.path);
  }
  d.sampling_cumulative = detail::sampling_cumulative(d.dataset, d.options.sampling);
  if (d.options.samples_per_epoch > 0 && d.sampling_cumulative.empty())
    throw UsageError(fmt::format("samples_per_epoch '{}' needs sampling balanced or weights:FILE; expected sampling "
                                 "other than uniform (uniform visits every sample once)",
                                 d.options.samples_per_epoch));
  if (!d.sampling_cumulative.empty()) {
    // An epoch's draws are kept in memory (8 bytes each): bounded, and far from overflow.
    const int64_t limit = std::max<int64_t>(64 * d.dataset.num_samples(), int64_t{1} << 20);
    if (d.options.samples_per_epoch > limit)
      throw UsageError(fmt::format("samples_per_epoch '{}' is out of range; expected 0..{} (at most 64 x the {} "
                                   "samples, or 1048576; 0 = the number of samples)",
                                   d.options.samples_per_epoch, limit, d.dataset.num_samples()));
  }
  d.epoch_length = d.options.samples_per_epoch > 0 && !d.sampling_cumulative.empty() ? d.options.samples_per_epoch
                                                                                      : d.dataset.num_samples();
  const int64_t n = d.epoch_length, bs = d.options.batch_size, w = d.options.num_shards,
                r = d.options.shard_id;
  switch (d.options.shard_remainder) {
    case ShardRemainder::pad: d.shard_size = (n + w - 1) / w; break;
    case ShardRemainder::drop: d.shard_size = n / w; break;
    case ShardRemainder::exact: d.shard_size = r < n ? (n - r + w - 1) / w : 0; break;
  }
  d.full_num_batches = (n + bs - 1) / bs;
  d.num_batches = d.batches_of(d.shard_size);
  // A shard that never gets a batch would make its rank wait forever for the others.
  if (n > 0 && d.num_batches == 0)
    throw UsageError(fmt::format("shard {} of {} gets 0 batches ({} samples, {} per shard with shard_remainder {}, "
                                 "batch_size {}{}); expected fewer shards or a smaller batch_size",
                                 r, w, n, d.shard_size,
                                 d.options.shard_remainder == ShardRemainder::pad    ? "pad"
                                 : d.options.shard_remainder == ShardRemainder::drop ? "drop"
                                                                                     : "exact",
                                 bs, d.options.drop_last ? ", drop_last" : ""));
  // The first batches' memory, faulted in while the caller gets ready (no-op when the faces
  // already asked for it before their scan, with the same shape).
  if (d.num_batches > 0) reserve_first_batches(d.options, std::min<int64_t>(bs, d.shard_size), d.num_batches);
}

DataLoader::~DataLoader() = default;

void DataLoader::check_options(const Registry& registry, const LoaderOptions& options) {
  check_loader_options(options);
  detail::check_sampling(options.sampling);  // a weights file that cannot be used fails before the scan
  (void)detail::Augmentation(registry, options);
}

void DataLoader::reserve_batches(const LoaderOptions& options) {
  check_loader_options(options);
  reserve_first_batches(options, options.batch_size, 4);  // the batch count is not known before the scan
}

struct DataLoader::WarmUp::State : detail::JobCount {};  // threads still loading their image

DataLoader::WarmUp::WarmUp() = default;
DataLoader::WarmUp::WarmUp(WarmUp&&) noexcept = default;
DataLoader::WarmUp& DataLoader::WarmUp::operator=(WarmUp&&) noexcept = default;
DataLoader::WarmUp::~WarmUp() {
  if (state_) state_->wait();
}

namespace {
// Loads (and drops) the first image under `folder` that loads with `options`, looking at a few
// entries, and only at files of the decoders' extensions and of image size: a warm-up must cost
// about one image, whatever the folder holds.
void load_one_image(const Registry& registry, const LoaderOptions& options, const std::string& folder) {
  namespace fs = std::filesystem;
  const std::vector<std::string> extensions = registry.extensions();  // sorted, lower case
  std::error_code ec;
  fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec);
  int entries = 0, tries = 0;
  for (; !ec && it != fs::recursive_directory_iterator() && entries < 64 && tries < 4; it.increment(ec), ++entries) {
    if (!std::binary_search(extensions.begin(), extensions.end(), detail::lower_extension(it->path().string())))
      continue;
    std::error_code size_ec;
    if (!it->is_regular_file(size_ec) || it->file_size(size_ec) > (std::uintmax_t{32} << 20) || size_ec) continue;
    ++tries;
    try {
      (void)detail::load_image(registry, it->path().string(), options, nullptr, detail::SampleKey{}, nullptr, nullptr);
      return;
    } catch (const std::exception&) {
      // not an image this process decodes: the next entry
    }
  }
}
}  // namespace

DataLoader::WarmUp DataLoader::warm_up(std::shared_ptr<const Registry> registry, const LoaderOptions& options,
                                       const ScanOptions& scan) {
  check_loader_options(options);
  std::string folder = scan.root;
  for (const auto& [key, value] : scan.source_options)
    if (key == "directory") folder = value;
  if (std::error_code ec; !std::filesystem::is_directory(folder, ec))
    folder = std::filesystem::path(folder).parent_path().string();
  WarmUp w;
  w.state_ = std::make_shared<WarmUp::State>();
  const int started = detail::WorkerThreads::instance().grow(
      static_cast<int>(options.num_workers), [st = w.state_, registry, options, folder] {
        load_one_image(*registry, options, folder);
        st->done();
      });
  w.state_->add(started);  // after the threads start (some may be done already): waited for later
  return w;
}

int DataLoader::loader_threads() { return detail::WorkerThreads::instance().size(); }

const LoaderOptions& DataLoader::options() const noexcept { return impl_->options; }
const Dataset& DataLoader::dataset() const noexcept { return impl_->dataset; }
const ClassIndex& DataLoader::class_index() const noexcept { return impl_->dataset.class_index; }
std::vector<std::string> DataLoader::filenames() const { return impl_->dataset.filenames(); }
std::vector<int32_t> DataLoader::classes() const { return impl_->dataset.classes(); }
std::shared_ptr<const LabelEncoder> DataLoader::encoder() const noexcept { return impl_->encoder; }
const LabelSpec& DataLoader::labels() const noexcept { return impl_->labels; }
void DataLoader::recycle(Batch&& batch) const { impl_->give_buffer(std::move(batch.images.data)); }
int64_t DataLoader::num_samples() const noexcept { return impl_->dataset.num_samples(); }
int64_t DataLoader::num_batches() const noexcept { return impl_->num_batches; }
int64_t DataLoader::shard_size() const noexcept { return impl_->shard_size; }
LoaderProfile DataLoader::profile() const noexcept {
  const auto& p = impl_->profile;
  const auto sec = [](const std::atomic<int64_t>& ns) { return static_cast<double>(ns.load()) * 1e-9; };
  LoaderProfile r;
  r.images = p.images.load();
  r.batches = p.batches.load();
  r.cache_hits = p.cache_hits.load();
  r.batch_buffers = p.batch_buffers.load();
  r.read = sec(p.read_ns);
  r.decode = sec(p.decode_ns);
  r.resize = sec(p.resize_ns);
  r.store = sec(p.store_ns);
  r.encode = sec(p.encode_ns);
  r.wait = sec(p.wait_ns);
  return r;
}

std::vector<std::string> DataLoader::warnings() const {
  std::vector<std::string> all = impl_->warnings;
  if (impl_->cache)
    for (auto& w : impl_->cache->warnings()) all.push_back(std::move(w));
  return all;
}

int64_t DataLoader::skipped_count() const noexcept { return impl_->skipped.load(); }

std::vector<int64_t> DataLoader::epoch_order(int64_t epoch) const { return *impl_->order(epoch); }

// A pooled buffer if there is one: a loop that recycles what batch() returns (Python's it[i])
// then reuses one buffer.
Batch DataLoader::batch(int64_t index, int64_t epoch) const {
  return impl_->make_batch(index, epoch, impl_->take_buffer());
}

Batch DataLoader::samples(const std::vector<int64_t>& sample_indices, int64_t epoch) const {
  if (epoch < 0) throw UsageError(fmt::format("epoch '{}' is out of range; expected >= 0", epoch));
  for (int64_t s : sample_indices)
    if (s < 0 || s >= num_samples())
      throw UsageError(fmt::format("sample index '{}' is out of range; expected 0..{}", s, num_samples() - 1));
  return impl_->make_items(sample_indices, 0, static_cast<int64_t>(sample_indices.size()), -1, epoch);
}

namespace {

// FNV-1a 64: a stable fingerprint (std::hash is not stable across builds) — not security.
struct Fnv {
  uint64_t h = 0xcbf29ce484222325ULL;
  void add(std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 0x100000001b3ULL;
    }
    h ^= 0xff;  // a separator no UTF-8 text holds
    h *= 0x100000001b3ULL;
  }
};

std::string dataset_fingerprint(const Dataset& d) {
  Fnv f;
  for (const auto& name : d.class_index.class_names()) f.add(name);
  for (const auto& s : d.samples) {
    f.add(s.path);
    std::string ids;
    for (int32_t c : s.class_ids) ids += std::to_string(c) + ",";
    f.add(ids);
  }
  return fmt::format("fnv1a64:{:016x}", f.h);
}

// The options that change what batches hold or which samples they hold, as text.
std::vector<std::pair<std::string, std::string>> batch_options(const LoaderOptions& o, const LabelSpec& labels,
                                                               const std::vector<double>& sampling_cumulative) {
  std::string sampling_digest = "none";
  if (!sampling_cumulative.empty()) {
    Fnv f;
    for (double v : sampling_cumulative) f.add(fmt::format("{:a}", v));  // exact (hex float)
    sampling_digest = fmt::format("{:016x}", f.h);
  }
  std::vector<std::pair<std::string, std::string>> out{
      {"batch_size", std::to_string(o.batch_size)},
      {"shuffle", o.shuffle ? "1" : "0"},
      {"seed", std::to_string(o.seed)},
      {"drop_last", o.drop_last ? "1" : "0"},
      {"target_size", fmt::format("{}x{}", o.target_size[0], o.target_size[1])},
      {"color_mode", name_of(o.color_mode)},
      {"interpolation", name_of(o.interpolation)},
      {"keep_aspect_ratio", o.keep_aspect_ratio ? "1" : "0"},
      {"dtype", name_of(o.dtype)},
      {"rescale", fmt::format("{}", o.rescale)},
      {"data_format", name_of(o.data_format)},
      {"alpha_background",
       o.alpha_background ? fmt::format("{},{},{}", (*o.alpha_background)[0], (*o.alpha_background)[1],
                                        (*o.alpha_background)[2])
                          : std::string("none")},
      {"apply_orientation", o.apply_orientation ? "1" : "0"},
      {"jpeg_draft", std::to_string(jpeg_draft_margin(o))},
      {"max_image_pixels", std::to_string(o.max_image_pixels)},
      {"on_error", name_of(o.on_error)},
      {"shard_remainder", name_of(o.shard_remainder)},
      {"sampling", o.sampling},
      // The weights themselves, not only the file's name: an edited weights file changes the draws.
      {"sampling_weights", sampling_digest},
      {"samples_per_epoch", std::to_string(o.samples_per_epoch)},
      {"class_mode", labels.class_mode()},
  };
  std::string transforms, options;
  for (const auto& t : o.transforms) {
    transforms += (transforms.empty() ? "" : ";") + t.name;
    for (const auto& [k, v] : t.options) transforms += fmt::format(" {}={}", k, v);
  }
  out.emplace_back("transforms", transforms);
  const Standardize& s = o.standardize;
  out.emplace_back("standardize", fmt::format("center={} std={} mean={} std={}", s.samplewise_center,
                                              s.samplewise_std_normalization, fmt::join(s.mean, ","),
                                              fmt::join(s.std, ",")));
  for (const auto& [k, v] : labels.encoder_options()) options += fmt::format("{}={};", k, v);
  out.emplace_back("encoder_options", options);
  return out;
}

}  // namespace

LoaderState DataLoader::state(int64_t epoch, int64_t batches_consumed) const {
  const int64_t batches = num_batches(epoch);
  if (batches_consumed < 0 || batches_consumed > batches)
    throw UsageError(fmt::format("batches consumed '{}' is out of range for epoch {}; expected 0..{}", batches_consumed,
                                 epoch, batches));
  LoaderState s;
  s.epoch = epoch;
  s.batches_consumed = batches_consumed;
  s.shard_id = impl_->options.shard_id;
  s.num_shards = impl_->options.num_shards;
  s.num_samples = num_samples();
  s.dataset_fingerprint = dataset_fingerprint(impl_->dataset);
  s.options = batch_options(impl_->options, impl_->labels, impl_->sampling_cumulative);
  return s;
}

std::array<int64_t, 2> DataLoader::resume(const LoaderState& state) {
  auto& d = *impl_;
  const std::string fingerprint = dataset_fingerprint(d.dataset);
  if (state.dataset_fingerprint != fingerprint || state.num_samples != num_samples())
    throw UsageError(fmt::format("the state was saved for another dataset ({} samples, {}), this one has {} samples "
                                 "({}); expected the same files, classes and mapping",
                                 state.num_samples, state.dataset_fingerprint, num_samples(), fingerprint));
  const auto now = batch_options(d.options, d.labels, d.sampling_cumulative);
  for (const auto& [key, value] : now) {
    std::string saved = "(missing)";
    for (const auto& kv : state.options)
      if (kv.first == key) saved = kv.second;
    if (saved != value)
      throw UsageError(fmt::format("the state was saved with {} '{}', this run has '{}'; expected the same options "
                                   "(only num_workers, prefetch and the shard count may change)",
                                   key, saved, value));
  }
  const int64_t epoch = state.epoch, k = state.batches_consumed;
  const int64_t w = d.options.num_shards, old_w = state.num_shards;
  if (old_w == w && state.shard_id == d.options.shard_id) {
    if (k > d.num_batches)
      throw UsageError(fmt::format("the state says {} batches of epoch {} were consumed, but an epoch has {}; expected "
                                   "a state of this run",
                                   k, epoch, d.num_batches));
    if (k == d.num_batches) return {epoch + 1, 0};
    return {epoch, k};
  }
  if (k == 0) return {epoch, 0};
  // Another shard count mid-epoch: every old shard delivered its first k batches; the rest of
  // the epoch, in permutation order, is divided over the new shards.
  std::vector<int64_t> p = d.permutation(epoch);
  const int64_t n = static_cast<int64_t>(p.size());
  int64_t total = n;
  if (d.options.shard_remainder == ShardRemainder::pad) total = (n + old_w - 1) / old_w * old_w;
  if (d.options.shard_remainder == ShardRemainder::drop) total = n / old_w * old_w;
  for (int64_t i = 0; n > 0 && static_cast<int64_t>(p.size()) < total; ++i) p.push_back(p[static_cast<std::size_t>(i)]);
  p.resize(static_cast<std::size_t>(total));
  const int64_t consumed_positions = k * d.options.batch_size;
  std::vector<int64_t> rest;
  for (int64_t i = 0; i < total; ++i)
    if (i / old_w >= consumed_positions) rest.push_back(p[static_cast<std::size_t>(i)]);
  auto mine = Impl::shard_of(std::move(rest), d.options.shard_id, w,
                             d.options.shard_remainder == ShardRemainder::pad ? ShardRemainder::pad
                                                                               : d.options.shard_remainder);
  if (d.batches_of(static_cast<int64_t>(mine.size())) == 0) return {epoch + 1, 0};
  std::lock_guard<std::mutex> lock(d.order_mutex);
  d.resumed.epoch = epoch;
  d.resumed.order = std::make_shared<const std::vector<int64_t>>(std::move(mine));
  return {epoch, 0};
}

// Image-level work: every worker takes the next image of the oldest batch that still has one,
// opening a new batch (at most in_flight_limit ahead of the consumer) only when the open ones
// are all claimed. So all workers finish batch 0 together (the first batch arrives after about
// one batch's decode time over the workers) and no worker idles at an epoch's tail while
// another finishes a whole batch alone. Every image's pixels depend only on its sample key, and
// a batch is assembled in position order, so batches are the same for any worker count.
struct DataLoader::BatchStream::State {
  const DataLoader::Impl* loader = nullptr;
  pid_t owner = getpid();  // the process whose pooled threads run the workers
  int64_t epoch = 0;
  int64_t num_batches = 0;
  int64_t in_flight_limit = 1;
  std::shared_ptr<const std::vector<int64_t>> order;
  std::mutex mutex;
  std::condition_variable cv;
  int64_t next_to_make = 0;
  int64_t next_to_deliver = 0;
  int64_t opening = 0;  // batches whose buffer a worker is getting outside the lock
  bool stop = false;
  // A batch being made: its images are claimed one at a time and stored into their own slots.
  struct Building {
    Batch batch;
    int64_t begin = 0, count = 0;
    int64_t next_item = 0, done = 0;
    std::vector<std::optional<std::string>> skip;
    int64_t error_at = -1;  // the lowest failing position: the error every worker count reports
    std::exception_ptr error;
  };
  std::map<int64_t, Building> building;
  std::map<int64_t, Batch> ready;
  std::map<int64_t, std::exception_ptr> failed;
  // Until the stream's first batch is made, the batch memory reserve faults in no more (on a VM
  // that would stall a worker's vCPU); released when the first batch is ready or failed.
  std::optional<detail::ReserveHold> hold;
  // The workers run on pooled threads (WorkerThreads); each counts itself out here when its
  // work() returns (after State may be gone: shared with the jobs).
  std::shared_ptr<detail::JobCount> running = std::make_shared<detail::JobCount>();

  // Starts `n` workers on pooled threads. @throws std::system_error as WorkerThreads::run.
  void start_workers(int n) {
    for (int i = 0; i < n; ++i) {
      running->add(1);
      try {
        detail::WorkerThreads::instance().run([this] { work(); }, [r = running] { r->done(); });
      } catch (...) {
        running->done();
        throw;
      }
    }
  }

  // The oldest open batch with an unclaimed image, or a newly opened one; nullptr when there is
  // nothing to do now. Called with the lock held.
  std::pair<int64_t, Building*> claimable(std::unique_lock<std::mutex>& lock) {
    for (auto& [index, bl] : building)
      if (bl.next_item < bl.count) return {index, &bl};
    // A batch being opened has images to claim in a moment: wait for it rather than open the next,
    // so every worker helps the earliest batch (at the start, opening batch 1 alongside batch 0
    // could wait for a buffer still being faulted in while batch 0 has one worker).
    if (opening > 0) return {-1, nullptr};
    if (next_to_make >= num_batches || next_to_make - next_to_deliver >= in_flight_limit) return {-1, nullptr};
    const int64_t index = next_to_make++;
    const auto [begin, end] = loader->batch_range(*order, index);
    Building bl;
    bl.begin = begin;
    bl.count = end - begin;
    bl.skip.resize(static_cast<std::size_t>(bl.count));
    ++opening;
    lock.unlock();  // allocating (or faulting in) a batch buffer must not hold up the others
    try {
      bl.batch = loader->open_batch(index, epoch, bl.count, loader->take_buffer());
    } catch (...) {
      lock.lock();
      --opening;
      failed[index] = std::current_exception();
      hold.reset();
      cv.notify_all();
      return {-1, nullptr};
    }
    lock.lock();
    --opening;
    auto& placed = building.emplace(index, std::move(bl)).first->second;
    cv.notify_all();  // the workers that waited for it
    return {index, &placed};
  }

  void work() {
    std::unique_lock<std::mutex> lock(mutex);
    for (;;) {
      std::pair<int64_t, Building*> job{-1, nullptr};
      cv.wait(lock, [&] {
        if (stop) return true;
        job = claimable(lock);
        // Once every batch is opened and no image is left to claim, no work can appear (a batch
        // still being opened will have some: the last one gets every worker too).
        return job.second != nullptr || (next_to_make >= num_batches && opening == 0) || stop;
      });
      if (stop || job.second == nullptr) return;
      const int64_t index = job.first;
      Building* bl = job.second;  // std::map nodes stay put while other batches come and go
      const int64_t k = bl->next_item++;
      const int64_t s = (*order)[static_cast<std::size_t>(bl->begin + k)];
      lock.unlock();
      std::optional<std::string> skip;
      std::exception_ptr error;
      try {
        skip = loader->load_item(bl->batch, k, s, epoch);
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      bl->skip[static_cast<std::size_t>(k)] = std::move(skip);
      if (error && (bl->error_at < 0 || k < bl->error_at)) {
        bl->error_at = k;
        bl->error = error;
      }
      if (++bl->done < bl->count) continue;
      // This worker stored the batch's last image: it assembles the batch.
      auto node = building.extract(index);
      Building& whole = node.mapped();
      lock.unlock();
      std::exception_ptr failure = whole.error;
      if (!failure) {
        try {
          loader->finish_batch(whole.batch, order->data() + whole.begin, whole.count, whole.skip);
        } catch (...) {
          failure = std::current_exception();
        }
      }
      if (failure) loader->give_buffer(std::move(whole.batch.images.data));
      lock.lock();
      if (failure) failed[index] = failure;
      else ready.emplace(index, std::move(whole.batch));
      hold.reset();
      cv.notify_all();
    }
  }

  ~State() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stop = true;
    }
    cv.notify_all();
    running->wait();
    // A stream left early (a reset, a loop left, an error) hands the buffers of the batches it
    // made ahead back to the pool: the next stream reuses them instead of faulting in new ones.
    for (auto& [index, b] : ready) loader->give_buffer(std::move(b.images.data));
    for (auto& [index, bl] : building) loader->give_buffer(std::move(bl.batch.images.data));
  }
};

DataLoader::BatchStream::BatchStream(std::unique_ptr<State> state) : state_(std::move(state)) {}
DataLoader::BatchStream::~BatchStream() {
  // A forked child's copy: its workers (and whoever held the mutex or waited on the condition
  // at the fork) exist only in the parent, so stopping them would wait for ever, and so would
  // destroying a condition variable a parent's thread was waiting on. The copy is left as is.
  if (state_ && state_->owner != getpid()) (void)state_.release();
}
DataLoader::BatchStream::BatchStream(BatchStream&&) noexcept = default;

bool DataLoader::BatchStream::next(Batch& out) { return *next_for(out, std::nullopt); }

std::optional<bool> DataLoader::BatchStream::next_for(Batch& out, std::optional<std::chrono::milliseconds> timeout) {
  State& s = *state_;
  if (s.owner != getpid())
    throw UsageError(
        fmt::format("this batch stream was started by process {}, before a fork; its workers do not exist "
                    "in process {}; expected a new stream (in Python: a new iterator, or reset()) in the "
                    "child",
                    s.owner, getpid()));
  std::unique_lock<std::mutex> lock(s.mutex);
  if (s.next_to_deliver >= s.num_batches) return false;
  // The caller is done with `out`: its buffer goes back before the wait, so a batch opened
  // meanwhile reuses it instead of faulting in a fresh one (with a consumer that keeps up,
  // prefetch 2 then cycles 2 buffers, not 3: less RSS, and on a VM ~20-60 ms less first-touch).
  if (!out.images.data.empty()) {
    s.loader->give_buffer(std::move(out.images.data));
    out = Batch();
  }
  const int64_t want = s.next_to_deliver;
  auto arrived = [&] { return s.ready.count(want) > 0 || s.failed.count(want) > 0; };
  const auto t0 = Impl::Clock::now();
  bool in_time = true;
  if (!timeout) s.cv.wait(lock, arrived);
  else in_time = s.cv.wait_for(lock, *timeout, arrived);
  s.loader->profile.wait_ns += Impl::ns(Impl::Clock::now() - t0);
  if (!in_time) return std::nullopt;
  if (auto f = s.failed.find(want); f != s.failed.end()) {
    std::exception_ptr e = f->second;
    s.failed.erase(f);
    s.next_to_deliver = s.num_batches;  // the epoch ends at the first error
    s.stop = true;
    lock.unlock();
    s.cv.notify_all();
    std::rethrow_exception(e);
  }
  auto it = s.ready.find(want);
  out = std::move(it->second);
  s.ready.erase(it);
  ++s.next_to_deliver;
  lock.unlock();
  s.cv.notify_all();
  return true;
}

int64_t DataLoader::BatchStream::position() const noexcept {
  // A forked child has no other thread, and the mutex may have been held at the fork.
  if (state_->owner != getpid()) return state_->next_to_deliver;
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->next_to_deliver;
}

int64_t DataLoader::num_batches(int64_t epoch) const { return impl_->epoch_batches(epoch); }

DataLoader::BatchStream DataLoader::stream(int64_t epoch, int64_t first_batch) const {
  const int64_t batches = impl_->epoch_batches(epoch);
  if (first_batch < 0 || first_batch > batches)
    throw UsageError(fmt::format("first batch '{}' is out of range; expected 0..{}", first_batch, batches));
  auto s = std::make_unique<BatchStream::State>();
  s->loader = impl_.get();
  s->epoch = epoch;
  s->num_batches = batches;
  s->next_to_make = first_batch;
  s->next_to_deliver = first_batch;
  // Workers share batches, so `prefetch` batches ahead keep them all busy.
  s->in_flight_limit = std::max<int64_t>(impl_->options.prefetch, 1);
  s->order = impl_->order(epoch);  // the permutation once, before the workers start
  s->hold.emplace();
  const int workers = static_cast<int>(
      std::min<int64_t>(impl_->options.num_workers, std::max<int64_t>(batches - first_batch, 1)));
  s->start_workers(workers);  // on a failure, ~State stops and waits for the ones that started
  return BatchStream(std::move(s));
}

}  // namespace classflow
