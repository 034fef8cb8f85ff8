// Resampling that gives Pillow's pixels (what Keras and torchvision feed a model): Pillow's
// antialiased separable filters, its coefficient normalisation and its 8-bit fixed-point
// rounding, vectorised with Highway. Private to the core.
#pragma once

#include <opencv2/core.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace classflow::detail {

/// Pillow's resampling filters (Image.BOX, BILINEAR, HAMMING, BICUBIC, LANCZOS).
enum class PillowFilter { box, bilinear, hamming, bicubic, lanczos };

/// One axis of a resize: for output i, input taps [bounds[2i], bounds[2i] + bounds[2i+1]) with
/// the fixed-point weights k[i * ksize ...] (22 fractional bits), exactly as Pillow's
/// precompute_coeffs + normalize_coeffs_8bpc compute them.
struct ResampleAxis {
  int ksize = 0;
  std::vector<int> bounds;
  std::vector<int32_t> k;
};

/// Pillow's coefficients for resizing [in0, in1) of an axis of `in_size` samples to `out_size`.
ResampleAxis pillow_axis(int in_size, double in0, double in1, int out_size, PillowFilter filter);

/// A horizontal pass laid out for byte permutes (AVX-512 VBMI), so it runs along each row with
/// no transposes: output samples go in groups of `group_bytes` (whole pixels, at most 64), and
/// each group's taps come from one 128-byte window of its source row at `src_off[g]`. Per group,
/// tap pair and accumulator (16 output samples): 64 permute indices putting the two taps' bytes
/// in the even bytes of 32 16-bit lanes, and each weight split as k = hi * 2^15 + lo into 16-bit
/// halves, so two 16-bit multiply-adds per tap pair give Pillow's 32-bit sum exactly.
struct HorizontalPlan {
  int channels = 0, groups = 0, group_bytes = 0, accs = 0, pairs = 0;  // pairs: per group, at most
  std::vector<int> src_off;      // per group
  std::vector<int> group_pairs;  // per group: tap pairs its pixels use
  std::vector<uint8_t> idx;      // [group][pair][acc][64]
  std::vector<int16_t> lo, hi;   // [group][pair][acc][32]
  std::vector<uint16_t> store_mask;  // [group][acc]: the bytes of each 16-sample block to store
};

/// The plan for `axis` over rows of `in_size` pixels of `channels`; empty (groups 0) when the
/// taps are too spread for 128-byte windows of groups of 16 samples or more, when the row is
/// shorter than 128 bytes, or when the transposing pass is estimated faster (many taps: LANCZOS
/// shrinking): the transposing pass does those.
HorizontalPlan plan_horizontal(const ResampleAxis& axis, int in_size, int channels);

/// `src` (uint8, 1..4 channels, any ROI) resized to width x height with `filter`: bit-exact with
/// Pillow's Image.resize of the same 8-bit image (horizontal pass first, over the rows the
/// vertical pass needs, with its 8-bit intermediate, then the vertical pass). 4 channels are
/// RGBA: resized premultiplied, as Pillow does. `dst` is (re)allocated only when its size or
/// type differ.
void pillow_resize(const cv::Mat& src, cv::Mat& dst, int width, int height, PillowFilter filter);

/// Float32 destination of pillow_resize_into: sample (y, x*C + c) goes to data[y * stride + x*C + c]
/// as float(value) * scale (Keras/torchvision convert Pillow's 8-bit result the same way).
struct FloatOutput {
  float* data = nullptr;
  size_t stride = 0;  ///< floats between rows
  float scale = 1.0f;
  /// Non-temporal stores where aligned: for a destination too big to stay in the caches until it
  /// is read (a float32 batch of megabytes), they save reading every line in before writing it.
  bool stream = false;
};

/// pillow_resize of a 1- or 3-channel image with the float32 conversion fused into its last
/// pass, written to `out` (a batch slot): the same values as pillow_resize then u8_to_f32.
void pillow_resize_into(const cv::Mat& src, int width, int height, PillowFilter filter, const FloatOutput& out);

/// pillow_resize without the alpha premultiplication (every channel on its own).
void pillow_resize_straight(const cv::Mat& src, cv::Mat& dst, int width, int height, PillowFilter filter);

}  // namespace classflow::detail
