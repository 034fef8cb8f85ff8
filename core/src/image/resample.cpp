// Pillow-equivalent resampling. The arithmetic follows Pillow's libImaging/Resample.c (filter
// supports, the support widened by the scale when shrinking, weights normalised to sum 1 and
// rounded to 22-bit fixed point, a 0.5 rounding term, clipping to 0..255 after each pass); the
// code is ours. Both passes run through one vectorised kernel that combines rows: the
// horizontal pass is that kernel on the transposed image (our byte transpose), so every output
// sample is the same integer sum as Pillow's, bit for bit. Where the CPU has AVX-512 byte
// permutes and it pays, the horizontal pass runs along the rows instead (HorizontalDirect): the
// same sums, no transposes.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "image/resample.cpp"
// AVX3_DL (Ice Lake, Zen 4 and later: VBMI byte permutes, VNNI dot products) is compiled too:
// the horizontal pass runs along rows there without transposing (HorizontalDirect).
#ifndef HWY_WANT_AVX3_DL
#error "HWY_WANT_AVX3_DL must be defined for every Highway file of a binary (core/CMakeLists.txt)"
#endif
#include <hwy/foreach_target.h>  // must come before highway.h
#include <hwy/highway.h>

#include "image/resample.hpp"
#include "image/pixel_convert.hpp"

#include <classflow/batch.hpp>

#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <tuple>
#include <utility>
#include <vector>

HWY_BEFORE_NAMESPACE();
namespace classflow::detail::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// out row r = clip8(sum_y in[(bounds[2 (r / C)] + y) * C + r % C] * k[(r / C) * ksize + y]) for
// `row_len` bytes per row: C = `channels` interleaves the rows of C planes (the transposed
// horizontal pass); C = 1 is the plain vertical pass.
// With `fout` set, the results are written as float32 `x * scale` there (rows `fout_stride`
// floats apart) instead of bytes to `out`: the conversion Keras and torchvision do after Pillow,
// fused into the last pass; with `stream` too, through non-temporal stores where aligned.
void CombineRows(const uint8_t* in, size_t in_stride, uint8_t* out, size_t out_stride, size_t row_len, int out_rows,
                 int channels, const int* bounds, const int32_t* kk, int ksize, float* fout, size_t fout_stride,
                 float scale, bool stream) {
  const hn::ScalableTag<int32_t> d32;
  const hn::Rebind<uint8_t, decltype(d32)> d8;
  const hn::Rebind<float, decltype(d32)> df;
  const auto fscale = hn::Set(df, scale);
  const auto zero = hn::Zero(d32), max8 = hn::Set(d32, 255);
  const size_t lanes = hn::Lanes(d32);
  const auto half = hn::Set(d32, 1 << 21);  // Pillow's 1 << (PRECISION_BITS - 1)
  // Streaming stores need whole aligned vectors: every row's start aligned, x a multiple of lanes.
  const size_t vbytes = lanes * sizeof(float);
  stream = stream && fout != nullptr && reinterpret_cast<uintptr_t>(fout) % vbytes == 0 &&
           (fout_stride * sizeof(float)) % vbytes == 0;
  for (int r = 0; r < out_rows * channels; ++r) {
    const int ro = r / channels, c = r % channels;
    const int ymin = bounds[2 * ro], ymax = bounds[2 * ro + 1];
    const int32_t* k = kk + static_cast<size_t>(ro) * ksize;
    const uint8_t* base = in + (static_cast<size_t>(ymin) * channels + c) * in_stride;
    const size_t tap_stride = in_stride * channels;
    uint8_t* o = fout != nullptr ? nullptr : out + static_cast<size_t>(r) * out_stride;
    float* fo = fout != nullptr ? fout + static_cast<size_t>(r) * fout_stride : nullptr;
    // >> 22, then saturate to 0..255 as Pillow's clip8 does.
    const auto emit = [&](decltype(half) acc, size_t x) {
      if (fo != nullptr) {
        const auto f = hn::Mul(hn::ConvertTo(df, hn::Min(hn::Max(hn::ShiftRight<22>(acc), zero), max8)), fscale);
        if (stream && x % lanes == 0)
          hn::Stream(f, df, fo + x);
        else
          hn::StoreU(f, df, fo + x);
      } else
        hn::StoreU(hn::DemoteTo(d8, hn::ShiftRight<22>(acc)), d8, o + x);
    };
    const auto combine = [&](size_t x) {
      auto acc = half;
      for (int y = 0; y < ymax; ++y) {
        const auto v = hn::PromoteTo(d32, hn::LoadU(d8, base + y * tap_stride + x));
        acc = hn::Add(acc, hn::Mul(v, hn::Set(d32, k[y])));
      }
      emit(acc, x);
    };
    size_t x = 0;
    // Four vectors at a time: each tap's coefficient broadcast once for all four, and four
    // independent sums in flight.
    for (; x + 4 * lanes <= row_len; x += 4 * lanes) {
      auto a0 = half, a1 = half, a2 = half, a3 = half;
      for (int y = 0; y < ymax; ++y) {
        const uint8_t* p = base + y * tap_stride + x;
        const auto kv = hn::Set(d32, k[y]);
        a0 = hn::Add(a0, hn::Mul(hn::PromoteTo(d32, hn::LoadU(d8, p)), kv));
        a1 = hn::Add(a1, hn::Mul(hn::PromoteTo(d32, hn::LoadU(d8, p + lanes)), kv));
        a2 = hn::Add(a2, hn::Mul(hn::PromoteTo(d32, hn::LoadU(d8, p + 2 * lanes)), kv));
        a3 = hn::Add(a3, hn::Mul(hn::PromoteTo(d32, hn::LoadU(d8, p + 3 * lanes)), kv));
      }
      emit(a0, x);
      emit(a1, x + lanes);
      emit(a2, x + 2 * lanes);
      emit(a3, x + 3 * lanes);
    }
    for (; x + lanes <= row_len; x += lanes) combine(x);
    if (x < row_len && row_len >= lanes) {
      // The ragged end as one more vector overlapping the last: the overlap is recomputed to the
      // same values, cheaper than a scalar tail (the horizontal pass's rows are image heights).
      combine(row_len - lanes);
      x = row_len;
    }
    for (; x < row_len; ++x) {
      int32_t acc = 1 << 21;
      for (int y = 0; y < ymax; ++y) acc += base[y * tap_stride + x] * k[y];
      const int32_t v = acc >> 22;
      const uint8_t c8 = static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
      if (fo != nullptr) fo[x] = static_cast<float>(c8) * scale;
      else o[x] = c8;
    }
  }
#if HWY_ARCH_X86
  if (stream) _mm_sfence();  // the batch is handed to another thread: streaming stores ordered first
#endif
}

// dst[j][i] = src[i][j] for a rows x cols byte matrix: 16-row strips through four rounds of
// byte interleaving (a perfect shuffle each), the rest scalar. The interleaves work within each
// 128-bit block, so a W-byte vector transposes W / 16 blocks of 16 x 16 side by side for the
// cost of one (AVX-512: four): the transposes were half the resize's time with 128-bit vectors.
// OpenCV's transpose is scalar.
#if HWY_TARGET != HWY_SCALAR
// One perfect-shuffle round of 16 x 16 byte blocks: b[2i], b[2i+1] = interleave(a[i], a[i+8]).
// Written so the compiler keeps the vectors in registers (unrolled, no copies).
template <class D, class V>
HWY_INLINE void ShuffleRound(D d, const V* a, V* b) {
#pragma GCC unroll 8
  for (size_t i = 0; i < 8; ++i) {
    b[2 * i] = hn::InterleaveLower(d, a[i], a[i + 8]);
    b[2 * i + 1] = hn::InterleaveUpper(d, a[i], a[i + 8]);
  }
}

// The 128-bit blocks of `v` to rows `stride` * 16 apart: block k to dst + k * 16 * stride.
template <class D>
HWY_INLINE void StoreBlocks(D d, hn::VFromD<D> v, uint8_t* dst, size_t stride) {
  if constexpr (hn::MaxLanes(D()) <= 16) {
    hn::StoreU(v, d, dst);
  } else {
    const hn::Half<D> dh;
    StoreBlocks(dh, hn::LowerHalf(dh, v), dst, stride);
    StoreBlocks(dh, hn::UpperHalf(dh, v), dst + hn::MaxLanes(dh) * stride, stride);
  }
}

// Rows rb..rb+15, columns cb..cb+Lanes(d)-1 of src transposed into dst.
template <class D>
HWY_INLINE void TransposeStrip(D d, const uint8_t* src, size_t src_stride, uint8_t* dst, size_t dst_stride,
                               size_t rb, size_t cb) {
  hn::VFromD<D> a[16], b[16];
#pragma GCC unroll 16
  for (size_t i = 0; i < 16; ++i) a[i] = hn::LoadU(d, src + (rb + i) * src_stride + cb);
  ShuffleRound(d, a, b);
  ShuffleRound(d, b, a);
  ShuffleRound(d, a, b);
  ShuffleRound(d, b, a);
  // Block k of a[i] is column cb + 16 k + i.
#pragma GCC unroll 16
  for (size_t i = 0; i < 16; ++i) StoreBlocks(d, a[i], dst + (cb + i) * dst_stride + rb, dst_stride);
}
#endif

void TransposeBytes(const uint8_t* src, size_t src_stride, uint8_t* dst, size_t dst_stride, size_t rows,
                    size_t cols) {
#if HWY_TARGET != HWY_SCALAR
  if (rows >= 16 && cols >= 16) {
    const hn::ScalableTag<uint8_t> dw;
    const hn::Full128<uint8_t> d16;
    const size_t wide = hn::Lanes(dw);
    // Ragged ends as one more strip overlapping the last: the overlap is written twice with the
    // same values, cheaper than scalar loops (image heights are rarely multiples of 16).
    for (size_t r = 0; r < rows; r += 16) {
      const size_t rb = std::min(r, rows - 16);
      size_t cb = 0;
      for (; cb + wide <= cols; cb += wide) TransposeStrip(dw, src, src_stride, dst, dst_stride, rb, cb);
      for (; cb + 16 <= cols; cb += 16) TransposeStrip(d16, src, src_stride, dst, dst_stride, rb, cb);
      if (cb < cols) TransposeStrip(d16, src, src_stride, dst, dst_stride, rb, cols - 16);
    }
    return;
  }
#endif
  for (size_t i = 0; i < rows; ++i)
    for (size_t c = 0; c < cols; ++c) dst[c * dst_stride + i] = src[i * src_stride + c];
}

#if HWY_TARGET == HWY_AVX3_DL
// A group runs down the rows (below), each 128-byte window a row stride (thousands of bytes)
// after the last: too far apart for the hardware prefetcher to stay ahead once the image has left
// the cache, as a decoder's output of ~1 MB and up has. Prefetching the windows 16 rows ahead took
// a 1000x750 -> 224x224 bilinear resize from ~420 to ~255 us when the source came from memory
// (~200 us from cache); classflow_bench_stages resize/pillow_bilinear_1000x750_cold.
constexpr size_t kPrefetchRows = 16;
// HorizontalDirect with `A` accumulators of 16 samples a group.
// Highway's AVX3_DL flags name AVX-VNNI, not the AVX512-VNNI used here (cached_plan checks it).
template <int A>
__attribute__((target(HWY_TARGET_STR ",avx512vnni"))) void HorizontalRows(
    const uint8_t* src, size_t src_stride, size_t rows, uint8_t* out, size_t out_stride, const HorizontalPlan& p) {
  const __mmask64 even = 0x5555555555555555ULL;  // the low byte of each 16-bit lane; the high one 0
  const __m512i half = _mm512_set1_epi32(1 << 21), zero = _mm512_setzero_si512();
  // Locals, so the compiler need not reload them after each store (it cannot tell they differ).
  const uint8_t* const idx = p.idx.data();
  const int16_t* const klo = p.lo.data();
  const int16_t* const khi = p.hi.data();
  // A group's tables (a few KiB) stay in L1 while it runs down the rows; all groups' tables
  // for each row in turn would stream them from L2 row after row.
  for (int g = 0; g < p.groups; ++g) {
    const size_t base = static_cast<size_t>(g) * p.pairs * A;
    const int pairs = p.group_pairs[static_cast<size_t>(g)];
    const uint8_t* const in = src + p.src_off[static_cast<size_t>(g)];
    uint8_t* const o = out + static_cast<size_t>(g) * p.group_bytes;
    __mmask16 mask[A];
#pragma GCC unroll 4
    for (int v = 0; v < A; ++v) mask[v] = p.store_mask[static_cast<size_t>(g) * A + v];
    for (size_t r = 0; r < rows; ++r) {
      const uint8_t* w = in + r * src_stride;
      if (r + kPrefetchRows < rows) {  // the window's (up to) three cache lines
        const char* ahead = reinterpret_cast<const char*>(w + kPrefetchRows * src_stride);
        _mm_prefetch(ahead, _MM_HINT_T0);
        _mm_prefetch(ahead + 64, _MM_HINT_T0);
        _mm_prefetch(ahead + 127, _MM_HINT_T0);
      }
      const __m512i w0 = _mm512_loadu_si512(w), w1 = _mm512_loadu_si512(w + 64);
      __m512i lo[A], hi[A];
#pragma GCC unroll 4
      for (int v = 0; v < A; ++v) {
        lo[v] = half;
        hi[v] = zero;
      }
      for (int m = 0; m < pairs; ++m) {
#pragma GCC unroll 4
        for (int v = 0; v < A; ++v) {
          const size_t at = base + static_cast<size_t>(m) * A + v;
          const __m512i px = _mm512_maskz_permutex2var_epi8(even, w0, _mm512_loadu_si512(idx + at * 64), w1);
          lo[v] = _mm512_dpwssd_epi32(lo[v], px, _mm512_loadu_si512(klo + at * 32));
          hi[v] = _mm512_dpwssd_epi32(hi[v], px, _mm512_loadu_si512(khi + at * 32));
        }
      }
      // sum = hi * 2^15 + lo (wrapping like Pillow's int sum, which fits), >> 22, clipped to 0..255.
#pragma GCC unroll 4
      for (int v = 0; v < A; ++v) {
        const __m512i sum = _mm512_add_epi32(_mm512_slli_epi32(hi[v], 15), lo[v]);
        const __m512i clipped = _mm512_max_epi32(_mm512_srai_epi32(sum, 22), zero);
        _mm_mask_storeu_epi8(o + r * out_stride + v * 16, mask[v], _mm512_cvtusepi32_epi8(clipped));
      }
    }
  }
}
#endif

// The horizontal pass of `rows` rows along each row, by plan `p` (plan_horizontal): the same
// integer sums as CombineRows on the transposed rows. False on targets without byte permutes:
// the caller transposes.
bool HorizontalDirect(const uint8_t* src, size_t src_stride, size_t rows, uint8_t* out, size_t out_stride,
                      const HorizontalPlan* p) {
#if HWY_TARGET == HWY_AVX3_DL
  if (p == nullptr) return true;  // the question "is there a direct pass here?"
  switch (p->accs) {
    case 1: HorizontalRows<1>(src, src_stride, rows, out, out_stride, *p); break;
    case 2: HorizontalRows<2>(src, src_stride, rows, out, out_stride, *p); break;
    case 3: HorizontalRows<3>(src, src_stride, rows, out, out_stride, *p); break;
    default: HorizontalRows<4>(src, src_stride, rows, out, out_stride, *p); break;
  }
  return true;
#else
  (void)src, (void)src_stride, (void)rows, (void)out, (void)out_stride, (void)p;
  return false;
#endif
}

}  // namespace classflow::detail::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace classflow::detail {

HWY_EXPORT(CombineRows);
HWY_EXPORT(TransposeBytes);
HWY_EXPORT(HorizontalDirect);

namespace {

constexpr double kPi = 3.14159265358979323846;

double sinc(double x) {
  if (x == 0.0) return 1.0;
  x *= kPi;
  return std::sin(x) / x;
}

// Pillow's filters and their supports.
double filter_value(PillowFilter f, double x) {
  switch (f) {
    case PillowFilter::box: return (x > -0.5 && x <= 0.5) ? 1.0 : 0.0;
    case PillowFilter::bilinear: {
      if (x < 0.0) x = -x;
      return x < 1.0 ? 1.0 - x : 0.0;
    }
    case PillowFilter::hamming: {
      if (x < 0.0) x = -x;
      if (x == 0.0) return 1.0;
      if (x >= 1.0) return 0.0;
      x *= kPi;
      return std::sin(x) / x * (0.54f + 0.46f * std::cos(x));  // float constants, as Pillow
    }
    case PillowFilter::bicubic: {
      const double a = -0.5;
      if (x < 0.0) x = -x;
      if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
      if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
      return 0.0;
    }
    case PillowFilter::lanczos:
      if (-3.0 <= x && x < 3.0) return sinc(x) * sinc(x / 3.0);
      return 0.0;
  }
  return 0.0;
}

double filter_support(PillowFilter f) {
  switch (f) {
    case PillowFilter::box: return 0.5;
    case PillowFilter::bilinear: return 1.0;
    case PillowFilter::hamming: return 1.0;
    case PillowFilter::bicubic: return 2.0;
    case PillowFilter::lanczos: return 3.0;
  }
  return 1.0;
}

// Pillow resizes RGBA as premultiplied RGBa (Image.resize converts there and back), with its
// Convert.c arithmetic: x * a / 255 rounded by the MULDIV255 trick, back by integer division.
void premultiply(const cv::Mat& src, cv::Mat& dst) {
  dst.create(src.size(), src.type());
  for (int y = 0; y < src.rows; ++y) {
    const uint8_t* in = src.ptr<uint8_t>(y);
    uint8_t* out = dst.ptr<uint8_t>(y);
    for (int x = 0; x < src.cols * 4; x += 4) {
      const unsigned a = in[x + 3];
      for (int c = 0; c < 3; ++c) {
        const unsigned t = in[x + c] * a + 128;
        out[x + c] = static_cast<uint8_t>(((t >> 8) + t) >> 8);
      }
      out[x + 3] = static_cast<uint8_t>(a);
    }
  }
}

void unpremultiply(cv::Mat& m) {
  for (int y = 0; y < m.rows; ++y) {
    uint8_t* p = m.ptr<uint8_t>(y);
    for (int x = 0; x < m.cols * 4; x += 4) {
      const unsigned a = p[x + 3];
      if (a == 0 || a == 255) continue;
      for (int c = 0; c < 3; ++c) {
        const unsigned v = 255u * p[x + c] / a;
        p[x + c] = static_cast<uint8_t>(v > 255 ? 255 : v);
      }
    }
  }
}

void combine_rows(const cv::Mat& in, cv::Mat& out, size_t row_len, const ResampleAxis& axis, int out_rows,
                  int channels) {
  HWY_DYNAMIC_DISPATCH(CombineRows)(in.data, in.step[0], out.data, out.step[0], row_len, out_rows, channels,
                                    axis.bounds.data(), axis.k.data(), axis.ksize, nullptr, 0, 1.0f, false);
}

// A rows x cols Mat of `type` over `buffer` (grown when too small): a per-thread work area
// whose pages are faulted in at once when it grows (TensorBytes), not one trap per page.
// `offset` staggers the buffers (all page-aligned mappings) so that a pass reading one and
// writing another does not hit the same 4 KiB offsets (4K aliasing stalls loads behind stores).
cv::Mat scratch(TensorBytes& buffer, int rows, int cols, int type, std::size_t offset) {
  const std::size_t need = static_cast<std::size_t>(rows) * cols * CV_ELEM_SIZE(type) + offset;
  if (buffer.size() < need) {
    buffer.clear();
    buffer.shrink_to_fit();
    buffer.resize(need);
  }
  return cv::Mat(rows, cols, type, buffer.data() + offset);
}

// The value `make()` gives for `key`, kept per thread with the 7 keys asked for before it: a
// loader resizes many images of the same size to the same target. One cache per call site (the
// lambda's type), so nothing is shared between threads.
template <class Value, class Key, class Make>
std::shared_ptr<const Value> per_thread_cached(const Key& key, Make&& make) {
  thread_local std::vector<std::pair<Key, std::shared_ptr<const Value>>> cache;
  for (auto& [k, v] : cache)
    if (k == key) return v;
  if (cache.size() >= 8) cache.erase(cache.begin());
  cache.emplace_back(key, make());
  return cache.back().second;
}

// Pillow's coefficients for one axis, cached per thread.
std::shared_ptr<const ResampleAxis> cached_axis(int in_size, int out_size, PillowFilter filter) {
  return per_thread_cached<ResampleAxis>(std::tuple{in_size, out_size, filter}, [&] {
    return std::make_shared<const ResampleAxis>(pillow_axis(in_size, 0, in_size, out_size, filter));
  });
}

}  // namespace

ResampleAxis pillow_axis(int in_size, double in0, double in1, int out_size, PillowFilter filter) {
  const double scale = (in1 - in0) / out_size;
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = filter_support(filter) * filterscale;
  ResampleAxis a;
  a.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  a.bounds.resize(static_cast<size_t>(out_size) * 2);
  a.k.assign(static_cast<size_t>(out_size) * a.ksize, 0);
  std::vector<double> w(static_cast<size_t>(a.ksize));
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = in0 + (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      w[static_cast<size_t>(x)] = filter_value(filter, (x + xmin - center + 0.5) * ss);
      ww += w[static_cast<size_t>(x)];
    }
    for (int x = 0; x < xmax; ++x) {
      double v = ww != 0.0 ? w[static_cast<size_t>(x)] / ww : w[static_cast<size_t>(x)];
      // normalize_coeffs_8bpc: round half away from zero to 22 fractional bits.
      a.k[static_cast<size_t>(xx) * a.ksize + x] =
          static_cast<int32_t>(v < 0 ? -0.5 + v * (1 << 22) : 0.5 + v * (1 << 22));
    }
    a.bounds[static_cast<size_t>(xx) * 2] = xmin;
    a.bounds[static_cast<size_t>(xx) * 2 + 1] = xmax;
  }
  return a;
}

HorizontalPlan plan_horizontal(const ResampleAxis& a, int in_size, int channels) {
  HorizontalPlan p;
  const int out = static_cast<int>(a.bounds.size() / 2), row_bytes = in_size * channels;
  if (row_bytes < 128 || out < 1 || channels < 1) return p;
  const auto first = [&](int x) { return a.bounds[2 * static_cast<size_t>(x)]; };
  const auto count = [&](int x) { return a.bounds[2 * static_cast<size_t>(x) + 1]; };
  // Source pixels [lo, hi) the outputs [x0, x0 + px) read.
  const auto span = [&](int x0, int px) {
    int lo = first(x0), hi = 0;
    for (int x = x0; x < std::min(out, x0 + px); ++x) {
      lo = std::min(lo, first(x));
      hi = std::max(hi, first(x) + count(x));
    }
    return std::pair{lo, hi};
  };
  // Of the groups of whole pixels (16 to 64 samples) whose taps all fit 128 bytes, the one with
  // the fewest accumulators per pixel (16 RGB pixels fill 3; 17 would need a fourth for 3 samples).
  int px = 0;
  for (int g = 64 / channels; g * channels >= 16; --g) {
    bool fits = true;
    for (int x0 = 0; x0 < out && fits; x0 += g) {
      const auto [lo, hi] = span(x0, g);
      fits = (hi - lo) * channels <= 128;
    }
    const auto accs = [&](int n) { return (n * channels + 15) / 16; };
    if (fits && (px == 0 || accs(g) * px < accs(px) * g)) px = g;
  }
  if (px == 0) return p;
  p.channels = channels;
  p.group_bytes = px * channels;
  p.groups = (out + px - 1) / px;
  p.accs = (p.group_bytes + 15) / 16;
  p.pairs = (a.ksize + 1) / 2;
  const size_t blocks = static_cast<size_t>(p.groups) * p.pairs * p.accs;
  p.idx.assign(blocks * 64, 0);
  p.lo.assign(blocks * 32, 0);
  p.hi.assign(blocks * 32, 0);
  p.src_off.resize(static_cast<size_t>(p.groups));
  p.store_mask.resize(static_cast<size_t>(p.groups) * p.accs);
  for (int g = 0; g < p.groups; ++g)
    for (int v = 0; v < p.accs; ++v) {
      // The samples of this group's block v that exist: never a write past the group or the row.
      const int end = std::min(p.group_bytes, out * channels - g * p.group_bytes) - v * 16;
      p.store_mask[static_cast<size_t>(g) * p.accs + v] =
          end >= 16 ? uint16_t{0xFFFF} : end > 0 ? static_cast<uint16_t>((1u << end) - 1) : uint16_t{0};
    }
  p.group_pairs.resize(static_cast<size_t>(p.groups));
  for (int g = 0; g < p.groups; ++g) {
    const int x0 = g * px;
    const auto [lo, hi] = span(x0, px);
    // The window starts at the group's first tap, or ends at the row's end (never past it).
    const int off = std::min(lo * channels, row_bytes - 128);
    p.src_off[static_cast<size_t>(g)] = off;
    int taps = 0;
    for (int x = x0; x < std::min(out, x0 + px); ++x) {
      taps = std::max(taps, count(x));
      for (int c = 0; c < channels; ++c) {
        const int o = (x - x0) * channels + c, v = o / 16, lane = o % 16;
        for (int t = 0; t < count(x); ++t) {
          const size_t at = (static_cast<size_t>(g) * p.pairs + t / 2) * p.accs + v;
          p.idx[at * 64 + lane * 4 + (t % 2) * 2] = static_cast<uint8_t>((first(x) + t) * channels + c - off);
          const int32_t k = a.k[static_cast<size_t>(x) * a.ksize + t];
          p.lo[at * 32 + lane * 2 + t % 2] = static_cast<int16_t>(k & 0x7FFF);
          p.hi[at * 32 + lane * 2 + t % 2] = static_cast<int16_t>(k >> 15);
        }
      }
    }
    p.group_pairs[static_cast<size_t>(g)] = (taps + 1) / 2;
  }
  // Worth it only while the permutes do less than the transposes they save: per row, a step of
  // the direct pass (a permute and two multiply-adds on 16 samples) cost ~17 bytes' worth of the
  // transposing pass's transposes, and each of its taps 0.31 of a byte per output sample
  // (fitted on Zen 4 with 500x375 and 1000x750 photos to 224x224: BILINEAR and BOX run ~1.4x
  // faster direct, BICUBIC about even, LANCZOS ~1.15x slower).
  int64_t steps = 0, taps = 0;
  for (int g = 0; g < p.groups; ++g) steps += static_cast<int64_t>(p.group_pairs[static_cast<size_t>(g)]) * p.accs;
  for (int x = 0; x < out; ++x) taps += count(x);
  const double transposing = row_bytes + out * channels + 0.31 * channels * static_cast<double>(taps);
  if (17.0 * static_cast<double>(steps) > transposing) return HorizontalPlan{};
  return p;
}

namespace {
void resize_straight(const cv::Mat& src, cv::Mat& dst, int width, int height, PillowFilter filter,
                     const FloatOutput* fout);

// The horizontal plan for rows of `in_size` pixels of `channels` to `out_size`, cached per thread
// like the axes; null where there is no direct pass (the CPU, the plan, or
// CLASSFLOW_RESAMPLE_PORTABLE=1, which keeps the transposing pass for comparison and tests).
std::shared_ptr<const HorizontalPlan> cached_plan(int in_size, int out_size, PillowFilter filter, int channels,
                                                  const ResampleAxis& axis) {
  // The dispatched target has the permutes; the multiply-adds need AVX512-VNNI, asked for too
  // (Highway's AVX3_DL flags name AVX-VNNI).
  static const bool direct = HWY_DYNAMIC_DISPATCH(HorizontalDirect)(nullptr, 0, 0, nullptr, 0, nullptr) &&
                             __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vbmi");
  if (!direct) return nullptr;
  if (const char* e = std::getenv("CLASSFLOW_RESAMPLE_PORTABLE"); e != nullptr && *e != '\0' && *e != '0')
    return nullptr;
  return per_thread_cached<HorizontalPlan>(std::tuple{in_size, out_size, channels, filter}, [&] {
    auto plan = std::make_shared<const HorizontalPlan>(plan_horizontal(axis, in_size, channels));
    return plan->groups > 0 ? plan : nullptr;
  });
}
}  // namespace

void pillow_resize(const cv::Mat& src, cv::Mat& dst, int width, int height, PillowFilter filter) {
  CV_Assert(src.depth() == CV_8U);
  if (src.channels() == 4 && (width != src.cols || height != src.rows)) {
    thread_local cv::Mat premultiplied;
    premultiply(src, premultiplied);
    pillow_resize_straight(premultiplied, dst, width, height, filter);
    unpremultiply(dst);
    return;
  }
  pillow_resize_straight(src, dst, width, height, filter);
}

void pillow_resize_straight(const cv::Mat& src, cv::Mat& dst, int width, int height, PillowFilter filter) {
  resize_straight(src, dst, width, height, filter, nullptr);
}

void pillow_resize_into(const cv::Mat& src, int width, int height, PillowFilter filter, const FloatOutput& out) {
  CV_Assert(src.channels() != 4);  // RGBA is resized premultiplied: through pillow_resize
  thread_local cv::Mat unused;
  resize_straight(src, unused, width, height, filter, &out);
}

namespace {
// pillow_resize_straight; with `fout`, the result goes there as float32 instead of to `dst`.
void resize_straight(const cv::Mat& src, cv::Mat& dst, int width, int height, PillowFilter filter,
                     const FloatOutput* fout) {
  CV_Assert(src.depth() == CV_8U);
  const int type = src.type(), channels = src.channels();
  const bool need_h = width != src.cols, need_v = height != src.rows;
  const auto to_float = [&](const cv::Mat& m) {
    for (int y = 0; y < m.rows; ++y)
      u8_to_f32(m.ptr<uint8_t>(y), fout->data + static_cast<size_t>(y) * fout->stride,
                static_cast<size_t>(m.cols) * channels, fout->scale);
  };
  if (!need_h && !need_v) {
    if (fout != nullptr) to_float(src);
    else src.copyTo(dst);
    return;
  }
  const auto vert_ptr = cached_axis(src.rows, height, filter);
  const ResampleAxis& vert_axis = *vert_ptr;
  thread_local TensorBytes transposed_buffer, combined_buffer, back_buffer;
  thread_local ResampleAxis vert_shifted;
  const ResampleAxis* vert = &vert_axis;
  const size_t out_bytes = static_cast<size_t>(width) * channels;
  if (need_v && fout == nullptr) dst.create(height, width, type);
  // Output rows [y0, y1) of the vertical pass over `rows` (as float32 into fout, or bytes to dst).
  const auto vertical = [&](const cv::Mat& rows, int y0, int y1) {
    const int* bounds = vert->bounds.data() + 2 * static_cast<size_t>(y0);
    const int32_t* k = vert->k.data() + static_cast<size_t>(y0) * vert->ksize;
    if (fout != nullptr)
      HWY_DYNAMIC_DISPATCH(CombineRows)(rows.data, rows.step[0], nullptr, 0, out_bytes, y1 - y0, 1, bounds, k,
                                        vert->ksize, fout->data + static_cast<size_t>(y0) * fout->stride,
                                        fout->stride, fout->scale, fout->stream);
    else
      HWY_DYNAMIC_DISPATCH(CombineRows)(rows.data, rows.step[0], dst.ptr<uint8_t>(y0), dst.step[0], out_bytes,
                                        y1 - y0, 1, bounds, k, vert->ksize, nullptr, 0, 1.0f, false);
  };
  if (!need_h) {
    vertical(src, 0, height);
    return;
  }
  // Only the rows the vertical pass reads, as Pillow does (its ybox_first .. ybox_last).
  const int first = vert_axis.bounds[0];
  const int last = vert_axis.bounds[2 * static_cast<size_t>(height) - 2] +
                   vert_axis.bounds[2 * static_cast<size_t>(height) - 1];
  if (first != 0) {
    vert_shifted = vert_axis;
    for (int i = 0; i < height; ++i) vert_shifted.bounds[2 * static_cast<size_t>(i)] -= first;
    vert = &vert_shifted;
  }
  const auto horiz_ptr = cached_axis(src.cols, width, filter);
  const ResampleAxis& horiz = *horiz_ptr;
  const size_t nrows = static_cast<size_t>(last - first), row_bytes = static_cast<size_t>(src.cols) * channels;
  // Bytes transposed: row (x * C + c) holds channel c of column x down the strip, so the
  // horizontal pass combines whole rows, vectorised like the vertical one. Strips of 128 rows
  // (at most 512 KiB of source, at least the transpose's 16) keep the transposed bytes in the
  // core's L2: in the loader (500x375 photos, 1000x750 half-scale decodes) 128 rows beat 32,
  // 64 and the whole image by 5-15% of the resize.
  const size_t strip = std::min(nrows, std::max<size_t>(16, std::min<size_t>(128, (512 << 10) / row_bytes) / 16 * 16));
  // Along the rows where the CPU has byte permutes (no transposes: ~7% of a photos epoch's CPU).
  const auto plan = cached_plan(src.cols, width, filter, channels, horiz);
  cv::Mat transposed, combined;
  if (!plan) {
    transposed = scratch(transposed_buffer, static_cast<int>(row_bytes), static_cast<int>(strip), CV_8UC1, 0);
    combined = scratch(combined_buffer, static_cast<int>(out_bytes), static_cast<int>(strip), CV_8UC1, 1344);
  }
  cv::Mat back = scratch(back_buffer, static_cast<int>(nrows), width, type, 2752);
  int done = 0;  // output rows of the vertical pass written
  for (size_t r = 0; r < nrows; r += strip) {
    // The last strip holds the rows left; fewer than 16 (too few for the transposes' vectors) are
    // done as the last 16 rows, the overlap made again with the same values. (A whole strip ending
    // at the last row did up to a strip again: 170 rows took 256 rows' work.)
    size_t r0 = r, n = std::min(strip, nrows - r);
    if (n < 16 && nrows >= 16) r0 = nrows - 16, n = 16;
    if (plan) {
      HWY_DYNAMIC_DISPATCH(HorizontalDirect)(src.ptr<uint8_t>(first + static_cast<int>(r0)), src.step[0], n,
                                             back.ptr<uint8_t>(static_cast<int>(r0)), back.step[0], plan.get());
    } else {
      HWY_DYNAMIC_DISPATCH(TransposeBytes)(src.ptr<uint8_t>(first + static_cast<int>(r0)), src.step[0],
                                           transposed.data, transposed.step[0], n, row_bytes);
      combine_rows(transposed, combined, n, horiz, width, channels);
      HWY_DYNAMIC_DISPATCH(TransposeBytes)(combined.data, combined.step[0], back.ptr<uint8_t>(static_cast<int>(r0)),
                                           back.step[0], out_bytes, n);
    }
    if (!need_v) continue;
    // The output rows whose taps are all made by now (tap windows only move down): the vertical
    // pass reads the strip while it is still in the cache.
    const int ready = static_cast<int>(r0 + n);
    int upto = done;
    while (upto < height && vert->bounds[2 * static_cast<size_t>(upto)] + vert->bounds[2 * static_cast<size_t>(upto) + 1] <= ready)
      ++upto;
    if (upto > done) vertical(back, done, upto);
    done = upto;
  }
  if (!need_v) {
    if (fout != nullptr) to_float(back);
    else back.copyTo(dst);
    return;
  }
  if (done < height) vertical(back, done, height);
}
}  // namespace

}  // namespace classflow::detail
#endif  // HWY_ONCE
