// classflow core: where a loader's time goes (flow --profile).
#pragma once

#include <cstdint>

namespace classflow {

/// Time per stage of the image path, summed over the threads that ran it (so with 2 workers
/// the stages can add up to twice the wall time), since the DataLoader was made. `wait` is the
/// consumer's time blocked in BatchStream::next waiting for a batch: near 0 means the loader
/// keeps up with the training loop.
struct LoaderProfile {
  int64_t images = 0;   ///< images loaded (skipped ones not counted)
  int64_t batches = 0;  ///< batches assembled
  int64_t cache_hits = 0;  ///< images taken from the resized-image cache (their read is the cache read)
  /// Batch image buffers allocated rather than reused (each batch_size x one image's bytes):
  /// `prefetch` (default 2), or one more when its thread is woken late, for a consumer that hands
  /// each batch back as it asks for the next (BatchStream::next with one Batch, as the CLI); up to
  /// 2 more for one that lets go of it once the next arrives (a Python loop rebinding
  /// `x, y = next(it)`); one more per batch kept beyond that. batch() takes a pooled buffer when the
  /// pool has one (a recycled batch's), else allocates one.
  int64_t batch_buffers = 0;
  double read = 0;      ///< seconds reading files
  double decode = 0;    ///< seconds in the decoder plugins (header + pixels)
  double resize = 0;    ///< seconds orienting, converting colour, transforming and resizing
  double store = 0;     ///< seconds writing images into the batch tensor (dtype, layout, rescale);
                        ///< float32 channels_last is written by the resize itself (counted there)
  double encode = 0;    ///< seconds encoding labels
  double wait = 0;      ///< seconds the consumer waited for a batch
};

}  // namespace classflow
