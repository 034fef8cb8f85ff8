// imagehash.phash's 64-bit perceptual hash, from the pieces classflow already has: Pillow's luma
// and Lanczos resize (bit-exact with Pillow) and OpenCV's DCT.
#include <classflow/dataset_check.hpp>

#include "image/image_pipeline.hpp"
#include "image/resample.hpp"

#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>

namespace classflow {

uint64_t perceptual_hash(const uint8_t* pixels, int32_t height, int32_t width, int32_t channels, std::size_t stride) {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): a read-only view of the caller's pixels
  const cv::Mat image(height, width, CV_8UC(channels), const_cast<uint8_t*>(pixels), stride);
  const cv::Mat gray = channels == 1 ? image : detail::pillow_luma(image);
  cv::Mat small;
  detail::pillow_resize(gray, small, 32, 32, detail::PillowFilter::lanczos);
  cv::Mat f;
  small.convertTo(f, CV_64F);
  cv::Mat d;
  cv::dct(f, d);
  // cv::dct is orthonormal; imagehash uses scipy's unnormalised DCT-II, whose first row and
  // column are sqrt(2) larger relative to the rest. The median split sees only that ratio.
  d.row(0) *= std::sqrt(2.0);
  d.col(0) *= std::sqrt(2.0);
  double low[64];
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x) low[y * 8 + x] = d.at<double>(y, x);
  double sorted[64];
  std::copy(std::begin(low), std::end(low), std::begin(sorted));
  std::nth_element(sorted, sorted + 31, sorted + 64);
  const double a = sorted[31];
  const double b = *std::min_element(sorted + 32, sorted + 64);
  const double median = (a + b) / 2;  // numpy.median of an even count
  uint64_t hash = 0;
  for (int i = 0; i < 64; ++i) hash = (hash << 1) | (low[i] > median ? 1u : 0u);
  return hash;
}

}  // namespace classflow
