// classflow SDK: the transform interface (ABI 1.1) — per-sample augmentation a plugin
// implements, and the counter-based random numbers the host hands it (C++17, header-only).
#pragma once

#include <classflow/sdk/abi.h>
#include <classflow/sdk/error.hpp>
#include <classflow/sdk/types.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace classflow::sdk {
inline namespace v1 {

/// When a transform runs: on the decoded image, or on the target_size image (as Keras).
enum class Stage : int32_t {
  before_resize = CF_TRANSFORM_BEFORE_RESIZE,
  after_resize = CF_TRANSFORM_AFTER_RESIZE,
};

/// An image buffer: height x width x channels interleaved, uint8 or float32 (0..255 scale).
struct ImageView {
  int32_t width = 0;
  int32_t height = 0;
  int32_t channels = 0;
  DType dtype = DType::uint8;
  int64_t row_bytes = 0;
  void* data = nullptr;

  /// Row y as T (T must match dtype).
  template <class T>
  T* row(int32_t y) const {
    return reinterpret_cast<T*>(static_cast<unsigned char*>(data) + static_cast<std::ptrdiff_t>(y) * row_bytes);
  }
  /// Bytes of one pixel.
  std::size_t pixel_bytes() const { return static_cast<std::size_t>(channels) * dtype_size(dtype); }
};

/// The sample's random stream (see cf_random): every draw of a transform comes from here, so
/// augmentation is a function of (seed, epoch, sample, transform position) and nothing else.
class Random {
 public:
  explicit Random(const cf_random* r) : r_(r) {}
  /// 64 random bits.
  uint64_t next_u64() { return r_->next_u64(r_->context); }
  /// Uniform in [0, 1) with 53 random bits (NumPy's random() rule).
  double uniform() { return static_cast<double>(next_u64() >> 11) * (1.0 / 9007199254740992.0); }
  /// Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  /// True with probability p.
  bool bernoulli(double p = 0.5) { return uniform() < p; }
  /// Integer uniform in [lo, hi] (hi >= lo), without modulo bias.
  int64_t integer(int64_t lo, int64_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    if (span == 0) return static_cast<int64_t>(next_u64());
    const uint64_t limit = UINT64_MAX - UINT64_MAX % span;
    uint64_t v;
    do v = next_u64();
    while (v >= limit);
    return lo + static_cast<int64_t>(v % span);
  }

 private:
  const cf_random* r_;
};

/// What a transform is made with.
struct TransformContext {
  Options options;             ///< key=value options (e.g. rotation_range=20)
  int32_t target_height = 0;   ///< the loader's target_size
  int32_t target_width = 0;
};

/// Base class of a transform. A subclass has a constructor `T(const TransformContext&)` that
/// validates its options (InvalidArgument naming the option and the valid values), and is
/// immutable afterwards: apply runs on many threads at once.
class Transform {
 public:
  virtual ~Transform() = default;
  /// Writes the transformed `in` into `out` (see cf_transform_vtable::apply): `out` arrives with
  /// in's geometry and `capacity` bytes of buffer; an after_resize transform keeps the size.
  virtual void apply(const ImageView& in, ImageView& out, std::size_t capacity, Random& random) const = 0;
};

}  // namespace v1
}  // namespace classflow::sdk
