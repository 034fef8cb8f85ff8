// Weighted epoch sampling (--sampling balanced | weights:FILE): private to the core.
#pragma once

#include <classflow/dataset.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace classflow::detail {

/// Checks the spelling of `sampling` (uniform, balanced or weights:FILE) before any scan.
/// @throws UsageError naming the accepted spellings.
void check_sampling_name(const std::string& sampling);

/// check_sampling_name, and for weights:FILE the file read and checked on its own (readable,
/// JSON, a list or an object of finite weights >= 0): what can fail before a scan does. Whether
/// its classes or its length fit the data is sampling_cumulative's check.
/// @throws UsageError as check_sampling_name; DataError as sampling_cumulative for the file.
void check_sampling(const std::string& sampling);

/// Cumulative per-sample weights for `sampling` over `dataset` (empty for "uniform"):
/// "balanced" weighs each sample 1 / (count of its class) (its first class when multi-label);
/// "weights:FILE" reads JSON {"class name": w} (every class) or [w per sample] (filenames order).
/// @throws UsageError for an unknown sampling or balanced without classes; DataError naming the
/// file for an unreadable or malformed weights file, a missing or unknown class, a count that is
/// not the number of samples, a negative or non-finite weight, or weights that are all zero.
std::vector<double> sampling_cumulative(const Dataset& dataset, const std::string& sampling);

/// `count` sample indices drawn with replacement with probabilities proportional to the weights
/// whose running sums are `cumulative`. Draw i is a pure function of (seed, epoch, i): Philox-4x64
/// keyed by the seed (the augmentation streams' key) at counter [0, i, epoch, kSamplingStream].
std::vector<int64_t> draw_samples(const std::vector<double>& cumulative, uint64_t seed, int64_t epoch, int64_t count);

}  // namespace classflow::detail
