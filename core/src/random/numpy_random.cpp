#include "random/numpy_random.hpp"

#include <utility>

namespace classflow::detail {

uint64_t NumpyRandomState::bounded(uint64_t max) {
  if (max == 0) return 0;
  uint64_t mask = max;
  mask |= mask >> 1;
  mask |= mask >> 2;
  mask |= mask >> 4;
  mask |= mask >> 8;
  mask |= mask >> 16;
  mask |= mask >> 32;
  uint64_t value;
  if (max <= 0xffffffffULL) {
    do {
      value = static_cast<uint64_t>(mt_()) & mask;
    } while (value > max);
  } else {
    do {
      uint64_t hi = mt_(), lo = mt_();
      value = ((hi << 32) | lo) & mask;
    } while (value > max);
  }
  return value;
}

std::vector<int64_t> NumpyRandomState::permutation(int64_t n) {
  std::vector<int64_t> a(static_cast<std::size_t>(n < 0 ? 0 : n));
  for (int64_t i = 0; i < n; ++i) a[static_cast<std::size_t>(i)] = i;
  for (int64_t i = n - 1; i >= 1; --i) {
    auto j = static_cast<int64_t>(bounded(static_cast<uint64_t>(i)));
    std::swap(a[static_cast<std::size_t>(i)], a[static_cast<std::size_t>(j)]);
  }
  return a;
}

}  // namespace classflow::detail
