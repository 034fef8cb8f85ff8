// uint8 -> float32 with a scale, vectorised with Highway (runtime dispatch like the resampler).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "image/pixel_convert.cpp"
#ifndef HWY_WANT_AVX3_DL  // see resample.cpp
#error "HWY_WANT_AVX3_DL must be defined for every Highway file of a binary (core/CMakeLists.txt)"
#endif
#include <hwy/foreach_target.h>  // must come before highway.h
#include <hwy/highway.h>

#include "image/pixel_convert.hpp"

HWY_BEFORE_NAMESPACE();
namespace classflow::detail::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void U8ToF32(const uint8_t* src, float* dst, size_t n, float scale) {
  const hn::ScalableTag<float> df;
  const hn::Rebind<int32_t, decltype(df)> di;
  const hn::Rebind<uint8_t, decltype(df)> d8;
  const size_t lanes = hn::Lanes(df);
  const auto s = hn::Set(df, scale);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes)
    hn::StoreU(hn::Mul(hn::ConvertTo(df, hn::PromoteTo(di, hn::LoadU(d8, src + i))), s), df, dst + i);
  for (; i < n; ++i) dst[i] = static_cast<float>(src[i]) * scale;
}

}  // namespace classflow::detail::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace classflow::detail {

HWY_EXPORT(U8ToF32);

void u8_to_f32(const uint8_t* src, float* dst, std::size_t n, float scale) {
  HWY_DYNAMIC_DISPATCH(U8ToF32)(src, dst, n, scale);
}

}  // namespace classflow::detail
#endif  // HWY_ONCE
