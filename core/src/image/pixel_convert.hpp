// uint8 pixels to float32 batch memory (private to the core).
#pragma once

#include <cstddef>
#include <cstdint>

namespace classflow::detail {

/// dst[i] = float(src[i]) * scale for i < n. When dst is 64-byte aligned the stores bypass the
/// cache (non-temporal): a batch is written once here and read later by the consumer, so
/// reading its lines in first would only double the memory traffic.
void u8_to_f32(const uint8_t* src, float* dst, std::size_t n, float scale);

}  // namespace classflow::detail
