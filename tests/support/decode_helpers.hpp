// Test support: drives the built-in image decoders as the core does (sniff -> plan -> decode
// over the C ABI) and keeps what each step returned, for the per-decoder unit tests.
#pragma once

#include <classflow/sdk/abi.h>
#include <classflow/registry.hpp>

#include "image_writer.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace classflow::test {

/// The registry of the built-in plugins only (no CLASSFLOW_PLUGIN_PATH), so a test sees exactly
/// the built tree. Made on first use and kept for the whole run.
const Registry& builtin_registry();

/// A decode request. min_width/min_height: the smallest output size a downscaling decoder may
/// produce (0: full size on that axis); apply_orientation: honour the EXIF orientation;
/// keep_16bit: uint16 output for 16-bit files instead of scaling to uint8.
cf_decode_request decode_request(int min_width = 0, int min_height = 0, bool apply_orientation = true,
                                 bool keep_16bit = false);

/// What plan and decode returned for some bytes.
struct DecodeResult {
  std::string decoder;  ///< name of the decoder that ran
  int32_t code = CF_OK;
  std::string message;
  cf_image_info info{};
  std::vector<uint8_t> bytes;  ///< [out_height, out_width, out_channels] of out_dtype

  /// Sample i as an integer: uint16 (host order) when info.out_dtype says so, else uint8.
  int sample(std::size_t i) const;
  /// All samples as integers.
  std::vector<int> samples() const;
};

/// Calls `vtable`'s plan and, when it succeeds and `run_decode`, its decode into a buffer of
/// the planned size.
DecodeResult run_decoder(const cf_decoder_vtable* vtable, const Bytes& data, const cf_decode_request& req,
                         bool run_decode = true);

/// Sniffs `data` (the first 64 bytes, as the core does) and runs the chosen decoder.
/// Fails the test (REQUIRE) when no decoder claims the bytes.
DecodeResult decode(const Bytes& data, const cf_decode_request& req = decode_request(), bool run_decode = true);

/// The built-in decoder registered as `name`. Fails the test (REQUIRE) when there is none.
const DecoderEntry& decoder_named(const std::string& name);

/// `count` copies of `pixel`, one after the other.
template <class T>
std::vector<T> repeat(const std::vector<T>& pixel, int count) {
  std::vector<T> all;
  for (int i = 0; i < count; ++i) all.insert(all.end(), pixel.begin(), pixel.end());
  return all;
}

/// repeat() for expected samples, so a braced list reads as std::vector<int>.
inline std::vector<int> repeat_int(const std::vector<int>& pixel, int count) { return repeat(pixel, count); }

}  // namespace classflow::test
