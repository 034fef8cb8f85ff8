// uint8 pixels to float32 batch memory (private to the core).
#pragma once

#include <cstddef>
#include <cstdint>

namespace classflow::detail {

/// dst[i] = float(src[i]) * scale for i < n (the value cv::Mat::convertTo gives). Plain stores:
/// streaming (non-temporal) ones measured no faster end to end on huge-page batch buffers, and
/// plain ones leave the batch in cache for the consumer.
void u8_to_f32(const uint8_t* src, float* dst, std::size_t n, float scale);

}  // namespace classflow::detail
