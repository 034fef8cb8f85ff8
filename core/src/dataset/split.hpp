// Validation split membership (private to the core).
#pragma once

#include <classflow/dataset.hpp>

#include <cstdint>
#include <vector>

namespace classflow::detail {

/// For samples whose first class ids are `classes` ([N], canonical order, -1 = unlabelled, all
/// treated as one group), marks the validation members: per class c with n_c samples,
/// floor(fraction * n_c) of them (IEEE double product truncated, as Keras: 0.58 * 50 -> 28),
/// the first ones (head) or those at the first positions of a permutation (random: one NumPy
/// RandomState(seed), permutation(n_c) drawn class after class in index order, unlabelled last).
std::vector<bool> validation_mask(const std::vector<int32_t>& classes, int32_t num_classes, double fraction,
                                  SplitMethod method, uint32_t seed);

}  // namespace classflow::detail
