#include "dataset/split.hpp"

#include "random/numpy_random.hpp"

namespace classflow::detail {

std::vector<bool> validation_mask(const std::vector<int32_t>& classes, int32_t num_classes, double fraction,
                                  SplitMethod method, uint32_t seed) {
  // Members of each class in canonical order; the extra last group holds unlabelled samples.
  std::vector<std::vector<std::size_t>> members(static_cast<std::size_t>(num_classes) + 1);
  for (std::size_t i = 0; i < classes.size(); ++i) {
    int32_t c = classes[i];
    members[c < 0 || c >= num_classes ? static_cast<std::size_t>(num_classes) : static_cast<std::size_t>(c)]
        .push_back(i);
  }
  std::vector<bool> mask(classes.size(), false);
  NumpyRandomState rng(seed);
  for (const auto& group : members) {
    if (group.empty()) continue;
    auto n = static_cast<int64_t>(group.size());
    auto k = static_cast<int64_t>(fraction * static_cast<double>(n));  // truncation, as Keras
    if (method == SplitMethod::head) {
      for (int64_t i = 0; i < k; ++i) mask[group[static_cast<std::size_t>(i)]] = true;
    } else {
      auto perm = rng.permutation(n);
      for (int64_t i = 0; i < k; ++i) mask[group[static_cast<std::size_t>(perm[static_cast<std::size_t>(i)])]] = true;
    }
  }
  return mask;
}

}  // namespace classflow::detail
