// classflow core: one batch of images and labels, with where every item came from.
#pragma once

#include <classflow/export.hpp>
#include <classflow/sdk/types.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <string>
#include <vector>

namespace classflow {

namespace detail {
/// 64-byte aligned bytes (mapped pages from 1 MiB on). @throws std::bad_alloc.
CLASSFLOW_CORE_API void* allocate_tensor_bytes(std::size_t bytes);
/// Frees what allocate_tensor_bytes returned for the same size.
CLASSFLOW_CORE_API void free_tensor_bytes(void* p, std::size_t bytes) noexcept;
/// Maps and faults in `count` buffers of exactly `bytes` (2 MiB or more; smaller is a no-op) on a
/// background thread; allocate_tensor_bytes(bytes) hands them out first (faulting in the rest of
/// one still being filled itself). One size is held at a time. Only a hint: without a thread to
/// spare it does nothing.
CLASSFLOW_CORE_API void reserve_tensor_bytes(std::size_t bytes, int count);
/// Regions of exactly `bytes` reserved and not handed out yet (ready or being faulted in).
CLASSFLOW_CORE_API int reserved_tensor_regions(std::size_t bytes) noexcept;
/// While one lives (a stream making its first batch), reserve_tensor_bytes's background thread
/// pauses between 2 MiB chunks unless a thread waits for a region: on a VM, faulting in fresh
/// memory stalls a whole vCPU that the stream's workers need. At most 200 ms per reserve.
class CLASSFLOW_CORE_API ReserveHold {
 public:
  ReserveHold();
  ~ReserveHold();
  ReserveHold(const ReserveHold&) = delete;
  ReserveHold& operator=(const ReserveHold&) = delete;
};
/// Pauses of the background thread that lasted their whole 200 ms (a hold that outlived its
/// stream's first batch, or a waiter the pause missed), since the process started.
CLASSFLOW_CORE_API int reserve_pauses_run_out() noexcept;
}  // namespace detail

/// Allocator of tensor bytes: new bytes are left uninitialised (a batch buffer is fully
/// overwritten, and zero-filling 19 MB per float32 batch costs as much as resizing the images into
/// it); every buffer is 64-byte aligned (SIMD loads, and what NumPy/DLPack consumers expect);
/// buffers of 64 KiB or more are mapped pages of their own, faulted in at once (2 MiB or more on
/// huge pages where the system allows), so a freed batch goes back to the system instead of
/// fragmenting the heap whatever the malloc tuning of the host process.
template <class T>
struct UninitializedAllocator : std::allocator<T> {
  using value_type = T;
  template <class U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() = default;
  template <class U>
  UninitializedAllocator(const UninitializedAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(detail::allocate_tensor_bytes(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { detail::free_tensor_bytes(p, n * sizeof(T)); }
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  template <class U>
  bool operator==(const UninitializedAllocator<U>&) const noexcept {
    return true;
  }
};

/// Bytes of a tensor.
using TensorBytes = std::vector<unsigned char, UninitializedAllocator<unsigned char>>;

/// A dense tensor owning its bytes (row-major).
struct Tensor {
  sdk::DType dtype = sdk::DType::uint8;
  std::vector<int64_t> shape;  ///< e.g. [N, H, W, C]
  TensorBytes data;            ///< num_elements * dtype size bytes

  /// Typed view of the data; T must match dtype.
  template <class T>
  const T* as() const { return reinterpret_cast<const T*>(data.data()); }
  template <class T>
  T* as() { return reinterpret_cast<T*>(data.data()); }
};

/// A file left out of a batch under on_error=skip, and why.
struct SkippedImage {
  int64_t sample_index = 0;  ///< index into filenames()
  std::string path;          ///< absolute path
  std::string reason;        ///< e.g. "truncated or corrupt JPEG data: ..."
};

/// Batch i of an epoch. Every item carries its sample index and path, so results can always be
/// matched back to files whatever the shuffle (see DataLoader::to_canonical).
struct Batch {
  int64_t epoch = 0;
  int64_t index = 0;                    ///< batch number within the epoch
  Tensor images;                        ///< [N, H, W, C] (or [N, C, H, W]); uint8 or float32
  Tensor labels;                        ///< [N, ...] from the encoder; empty for class_mode none;
                                        ///< for input, a copy of images
  std::vector<int32_t> class_ids;       ///< [N] first class id per item (-1 unlabelled)
  std::vector<int64_t> sample_indices;  ///< [N] indices into filenames()
  std::vector<std::string> paths;       ///< [N] relative paths as in filenames()
  std::vector<SkippedImage> skipped;    ///< items dropped under on_error=skip

  /// Number of items N.
  int64_t size() const { return static_cast<int64_t>(sample_indices.size()); }
};

}  // namespace classflow
