// classflow core: the loader pipeline: epoch order -> parallel decode/resize -> encode -> batches.
#pragma once

#include <classflow/batch.hpp>
#include <classflow/dataset.hpp>
#include <classflow/export.hpp>
#include <classflow/label_encoder.hpp>
#include <classflow/label_spec.hpp>
#include <classflow/loader_options.hpp>
#include <classflow/loader_profile.hpp>
#include <classflow/loader_state.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace classflow {

class Registry;

/// Batches of a Dataset. Keras `DirectoryIterator` semantics: `filenames()` and `classes()` stay
/// in canonical order; epoch e visits samples in `epoch_order(e)`; batch i holds positions
/// [i*batch_size, (i+1)*batch_size) of that order. Random access (`batch`) is thread-safe;
/// iteration (`BatchStream`) decodes ahead on `num_workers` threads, delivering in order, with at
/// most `prefetch` batches in flight: memory is bounded by (batch + prefetch) images, never by
/// the dataset size.
class CLASSFLOW_CORE_API DataLoader {
 public:
  /// `labels` is bound to `dataset` here unless it already is (LabelSpec::bind): the encoder is
  /// built once, for the whole life of the loader. The loader keeps `registry` alive.
  /// @throws UsageError for invalid options (batch_size < 1, target_size < 1, ...), naming the
  /// option, its value and the valid range; as LabelSpec::bind when binding (binary with 3
  /// classes is a DataError naming them).
  DataLoader(std::shared_ptr<const Registry> registry, Dataset dataset, LabelSpec labels, LoaderOptions options);
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;

  /// Everything the constructor checks about `options` that needs no dataset: check_loader_options,
  /// each transform made once (an unknown name or a bad option fails here, before a scan), and a
  /// `weights:FILE` sampling file read and parsed (its fit to the classes is checked later).
  /// @throws as check_loader_options and Registry::make_transform; DataError naming the weights
  /// file when it cannot be read or is not a list or object of finite weights >= 0.
  static void check_options(const Registry& registry, const LoaderOptions& options);

  /// Starts faulting in the memory of the first `prefetch` batches shaped by `options`
  /// (batch_size x target_size x channels x dtype) on a background thread, and returns at once;
  /// a loader made later with the same shape takes those buffers instead of fresh pages. Call it
  /// before a long step (the scan) so the two overlap: fresh memory is dear on VMs (a new 19 MB
  /// float32 batch took ~40 ms to fault in on the 2-core VM of bench/README.md when the host had
  /// to back its pages), and the first batch then costs its decoding only. Optional (the
  /// constructor asks for the same itself), idempotent for one shape; batches under 2 MiB are not
  /// reserved. At most one shape is held: another shape frees the unused buffers of the last.
  /// @throws UsageError as check_loader_options.
  static void reserve_batches(const LoaderOptions& options);

  /// Loader threads being warmed up by warm_up(). Destroying it waits for them to finish (one
  /// image each, a few ms), so none is still decoding while the process exits.
  class CLASSFLOW_CORE_API WarmUp {
   public:
    WarmUp();
    ~WarmUp();
    WarmUp(WarmUp&&) noexcept;
    WarmUp& operator=(WarmUp&&) noexcept;
    struct State;

   private:
    friend class DataLoader;
    std::shared_ptr<State> state_;
  };

  /// Starts the loader threads a stream of `options` needs (`num_workers`; a stream's workers run
  /// on threads kept for the process and reused by every later stream) and has each new one load
  /// one image of the folder `scan` reads (its source option `directory`, else `root`, or the
  /// folder of a list file `root`): decoded and resized with `options`, the result dropped, in
  /// the background; returns at once. A thread's first image is its dearest: its decoder handle, its
  /// buffers and its share of the code are new (4-12 ms more than later images on the 2-core VM of
  /// bench/README.md), so warming the threads while the scan runs brings the first batch to about
  /// its decoding time. Optional and best-effort: a folder with no decodable image in its first
  /// entries, or a thread that cannot start, warms less; nothing is thrown for them.
  /// @throws UsageError as check_loader_options.
  static WarmUp warm_up(std::shared_ptr<const Registry> registry, const LoaderOptions& options,
                        const ScanOptions& scan);

  /// Loader threads this process has started (by streams and warm_up); they are kept for reuse,
  /// so this grows only when more streams run at once than ever before (their workers added up).
  static int loader_threads();
  DataLoader& operator=(const DataLoader&) = delete;

  const LoaderOptions& options() const noexcept;
  const Dataset& dataset() const noexcept;
  /// The mapping (Keras `class_indices`), fixed before any batch.
  const ClassIndex& class_index() const noexcept;
  /// Relative paths in canonical (unshuffled) order.
  std::vector<std::string> filenames() const;
  /// Class id per file in canonical order.
  std::vector<int32_t> classes() const;
  /// The label policy (class_mode, encoder, positive_class), bound to the dataset.
  const LabelSpec& labels() const noexcept;
  /// The encoder for class_mode, or null for input / none.
  std::shared_ptr<const LabelEncoder> encoder() const noexcept;

  /// Number of samples N of the dataset (all shards).
  int64_t num_samples() const noexcept;
  /// Samples this shard visits per epoch: N with one shard; ceil(N/W) with pad; floor(N/W) with
  /// drop; ceil((N - shard_id)/W) with exact.
  int64_t shard_size() const noexcept;
  /// ceil(shard_size / batch_size), or floor with drop_last.
  int64_t num_batches() const noexcept;
  /// Batches of `epoch`: num_batches(), except for an epoch resumed with another shard count
  /// mid-way (see resume), which holds the rest of that epoch.
  int64_t num_batches(int64_t epoch) const;
  /// Sample indices this shard visits in epoch `epoch`, in order. The epoch permutation P is the
  /// identity without shuffle; with shuffle, NumPy RandomState(seed + epoch * ceil(N /
  /// batch_size)).permutation(N): epoch 0 equals RandomState(seed).permutation(N), and later
  /// epochs reseed as Keras does (seed + total_batches_seen), so one shard's batch sequence
  /// equals Keras's for the same seed. Every shard computes the same P, pads it by repeating
  /// its start (pad) or cuts its tail (drop) to a multiple of W, and takes P[shard_id::W]
  /// (PyTorch DistributedSampler).
  /// @throws UsageError when epoch < 0.
  std::vector<int64_t> epoch_order(int64_t epoch) const;
  /// Batch `index` of `epoch`, decoded on the calling thread (Keras `Sequence.__getitem__`). Its
  /// image buffer is a recycled one when the pool has one (see recycle()).
  /// @throws UsageError when index is outside [0, num_batches()); DataError for a bad file under
  /// on_error=raise, naming the path and reason.
  Batch batch(int64_t index, int64_t epoch = 0) const;
  /// These samples (indices into filenames()) as one batch, made as in epoch `epoch` (their
  /// augmentation is that epoch's), on the calling thread; Batch::index is -1.
  /// @throws UsageError for an index outside [0, N) or epoch < 0; as batch() for bad files.
  Batch samples(const std::vector<int64_t>& sample_indices, int64_t epoch) const;

  /// The resume point after `batches_consumed` batches of `epoch` (see LoaderState).
  /// @throws UsageError when batches_consumed is outside [0, num_batches(epoch)].
  LoaderState state(int64_t epoch, int64_t batches_consumed) const;

  /// Where to continue from `state`: {epoch, first batch}, to pass to stream() (the next batch
  /// an uninterrupted run would have delivered; the next epoch when that epoch was finished).
  /// With the same shard count this is O(1). With another shard count mid-epoch, the rest of
  /// that epoch — every sample no old shard delivered yet (all shards at the same
  /// batches_consumed, as in lockstep training) — is divided over the new shards the way an
  /// epoch is, so nothing is lost or repeated; later epochs are as usual.
  /// @throws UsageError naming what differs when the state belongs to another dataset (file
  /// list, classes) or to other options that change batches (num_workers and prefetch may
  /// change freely).
  std::array<int64_t, 2> resume(const LoaderState& state);

  /// Time per stage so far, over every batch this loader made (flow --profile). Thread-safe.
  LoaderProfile profile() const noexcept;

  /// Warnings about how batches are made (e.g. the cache turned off, and why). Thread-safe.
  std::vector<std::string> warnings() const;

  /// Images skipped so far (on_error=skip), over all batches produced by this loader.
  int64_t skipped_count() const noexcept;

  /// Hands a consumed batch's image buffer back to the loader's pool, so later batches reuse it
  /// instead of allocating (memory stays flat over epochs). Optional: a batch simply destroyed
  /// frees its memory. Thread-safe.
  void recycle(Batch&& batch) const;

  /// In-order iteration over one epoch with background decoding. A stream belongs to the
  /// process that started it: after a fork() the child's copy has no workers, so next() there
  /// is a UsageError and destroying it leaves its memory alone (start a new stream in the child).
  class CLASSFLOW_CORE_API BatchStream {
   public:
    ~BatchStream();
    BatchStream(BatchStream&&) noexcept;
    /// Fills `out` with the next batch; false after the last (`out` untouched). Rethrows a
    /// worker's error. The batch `out` held is given up at the call: its image buffer is reused
    /// for a later batch (pass the same Batch each time to keep memory flat over epochs).
    /// @throws UsageError in a forked child of the process that started the stream.
    bool next(Batch& out);
    /// next(), waiting at most `timeout` (forever when nullopt): nullopt when the batch was not
    /// ready in time, `out` then empty — call again (the Python binding checks for Ctrl-C in
    /// between).
    std::optional<bool> next_for(Batch& out, std::optional<std::chrono::milliseconds> timeout);
    /// Index of the batch the next call to next() delivers.
    int64_t position() const noexcept;

   private:
    friend class DataLoader;
    struct State;
    explicit BatchStream(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
  };
  /// Starts decoding epoch `epoch` in the background, from batch `first_batch` (0 = the start;
  /// a later batch skips the earlier ones without decoding them).
  /// @throws UsageError when first_batch is outside [0, num_batches()].
  BatchStream stream(int64_t epoch, int64_t first_batch = 0) const;

  /// Re-orders per-item results collected over batches back to filenames() order: item j of
  /// `sample_indices` goes to position sample_indices[j]. Items never seen stay `fill`.
  template <class T>
  static std::vector<T> to_canonical(int64_t num_samples, const std::vector<int64_t>& sample_indices,
                                     const std::vector<T>& results, const T& fill = T()) {
    std::vector<T> out(static_cast<std::size_t>(num_samples), fill);
    for (std::size_t j = 0; j < sample_indices.size() && j < results.size(); ++j)
      out[static_cast<std::size_t>(sample_indices[j])] = results[j];
    return out;
  }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace classflow
