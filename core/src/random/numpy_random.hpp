// NumPy-compatible legacy random permutations (private to the core).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace classflow::detail {

/// Reproduces `numpy.random.RandomState(seed)` for `permutation(n)`: MT19937 seeded with
/// init_genrand(seed) (what RandomState does for an integer seed), and the legacy shuffle:
/// for i from n-1 down to 1, j = bounded(i) with the masked-rejection rule, swap(a[i], a[j]).
/// Keras DirectoryIterator shuffles with exactly this, so the same seed gives the same order.
class NumpyRandomState {
 public:
  explicit NumpyRandomState(uint32_t seed) : mt_(seed) {}
  /// A uniform integer in [0, max] by NumPy's legacy masked rejection sampling.
  uint64_t bounded(uint64_t max);
  /// `RandomState(seed).permutation(n)`: [n] indices 0..n-1.
  std::vector<int64_t> permutation(int64_t n);

 private:
  std::mt19937 mt_;
};

}  // namespace classflow::detail
