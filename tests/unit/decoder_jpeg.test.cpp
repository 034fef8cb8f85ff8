// The built-in 'jpeg' decoder, driven through the registry (sniff -> plan -> decode over the C
// ABI): colours, DCT scaling sizes, EXIF orientation, CMYK (BR-22), truncated and empty data
// (BR-21).
#include <catch2/catch.hpp>

#include <classflow/sdk/abi.h>
#include <classflow/registry.hpp>

#include <decode_helpers.hpp>
#include <image_writer.hpp>

#include <cstdlib>
#include <string>
#include <tuple>
#include <vector>

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using namespace classflow::test;  // Bytes, image writers, decode helpers

namespace {

Bytes solid(int width, int height, int channels, std::vector<uint8_t> value, int quality = 95) {
  std::vector<uint8_t> pixels;
  pixels.reserve(static_cast<std::size_t>(width) * height * channels);
  for (int i = 0; i < width * height; ++i) pixels.insert(pixels.end(), value.begin(), value.end());
  return classflow::test::encode_jpeg(width, height, channels, pixels.data(), quality);
}

/// A 64x64 RGB JPEG with detail everywhere, so cutting it leaves part of the scan missing.
Bytes noisy_jpeg() {
  std::vector<uint8_t> pixels(64 * 64 * 3);
  unsigned state = 12345;
  for (auto& p : pixels) {
    state = state * 1103515245u + 12345u;
    p = static_cast<uint8_t>(state >> 16);
  }
  return classflow::test::encode_jpeg(64, 64, 3, pixels.data(), 90);
}

void require_all_near(const DecodeResult& d, const std::vector<int>& expected, int tolerance) {
  REQUIRE(d.code == CF_OK);
  REQUIRE(d.info.out_channels == static_cast<int>(expected.size()));
  for (std::size_t i = 0; i < d.bytes.size(); ++i) {
    INFO("sample " << i);
    REQUIRE(std::abs(int{d.bytes[i]} - expected[i % expected.size()]) <= tolerance);
  }
}

}  // namespace

TEST_CASE("jpeg: claims its extensions and sniffs FF D8 FF", "[decoder]") {
  const auto& jpeg = decoder_named("jpeg");
  CHECK(jpeg.extensions == std::vector<std::string>{".jpg", ".jpeg", ".jpe", ".jfif"});
  const uint8_t soi[] = {0xFF, 0xD8, 0xFF, 0xE0};
  const uint8_t not_soi[] = {0xFF, 0xD8, 0x00, 0xE0};
  CHECK(jpeg.vtable->sniff(soi, sizeof soi) != 0);
  CHECK(jpeg.vtable->sniff(not_soi, sizeof not_soi) == 0);
  CHECK(jpeg.vtable->sniff(soi, 2) == 0);
}

TEST_CASE("jpeg: colour decodes to RGB, gray to one channel", "[decoder]") {
  const DecodeResult rgb = decode(solid(8, 8, 3, {200, 100, 50}, 100));
  CHECK(rgb.decoder == "jpeg");
  CHECK(rgb.info.width == 8);
  CHECK(rgb.info.height == 8);
  CHECK(rgb.info.out_width == 8);
  CHECK(rgb.info.out_height == 8);
  CHECK(rgb.info.out_dtype == CF_DTYPE_UINT8);
  CHECK(rgb.info.orientation == 1);
  require_all_near(rgb, {200, 100, 50}, 2);

  const DecodeResult gray = decode(solid(8, 8, 1, {77}, 100));
  CHECK(gray.info.out_channels == 1);
  require_all_near(gray, {77}, 1);
}

TEST_CASE("jpeg: DCT scaling picks the largest 1/2, 1/4, 1/8 reduction that keeps the minimum", "[decoder]") {
  const Bytes big = solid(2000, 1500, 3, {10, 200, 30});
  using Row = std::tuple<int, int, int, int>;  // min_width, min_height -> out_width, out_height
  const auto [min_w, min_h, out_w, out_h] = GENERATE(table<int, int, int, int>({
      Row{224, 224, 500, 375},     // 1/8 would give 250x188: 188 < 224
      Row{200, 150, 250, 188},     // 1/8: ceil(1500/8) = 188
      Row{1000, 750, 1000, 750},   // 1/2 exactly
      Row{1001, 750, 2000, 1500},  // 1/2 is 1 pixel too narrow; M/8 scales are never used
      Row{0, 0, 2000, 1500},       // no minimum: full size
      Row{224, 0, 2000, 1500},     // 0 on one axis means full size on it
  }));
  INFO("min " << min_w << "x" << min_h);
  const DecodeResult d = decode(big, decode_request(min_w, min_h));
  REQUIRE(d.code == CF_OK);
  CHECK(d.info.width == 2000);
  CHECK(d.info.height == 1500);
  CHECK(d.info.out_width == out_w);
  CHECK(d.info.out_height == out_h);
  // The scaled decode fills the buffer with the same colour.
  const std::size_t last = d.bytes.size() - 3;
  CHECK(std::abs(int{d.bytes[last]} - 10) <= 3);
  CHECK(std::abs(int{d.bytes[last + 1]} - 200) <= 3);
  CHECK(std::abs(int{d.bytes[last + 2]} - 30) <= 3);
}

TEST_CASE("jpeg: the minimum size applies after an axis-swapping orientation", "[decoder]") {
  // Oriented 1500x2000 must stay >= 250 wide and 188 high: stored height >= 250 rules out 1/8.
  const Bytes rotated = classflow::test::add_exif_orientation(solid(2000, 1500, 1, {90}), 6);
  const DecodeResult applied = decode(rotated, decode_request(250, 188), false);
  REQUIRE(applied.code == CF_OK);
  CHECK(applied.info.orientation == 6);
  CHECK(applied.info.out_width == 500);
  CHECK(applied.info.out_height == 375);
  const DecodeResult ignored = decode(rotated, decode_request(250, 188, false), false);
  REQUIRE(ignored.code == CF_OK);
  CHECK(ignored.info.orientation == 1);
  CHECK(ignored.info.out_width == 250);
  CHECK(ignored.info.out_height == 188);
}

TEST_CASE("jpeg: EXIF orientation is read from APP1 in either byte order", "[decoder]") {
  const int orientation = GENERATE(range(1, 9));
  const bool big_endian = GENERATE(false, true);
  INFO("orientation " << orientation << (big_endian ? " MM" : " II"));
  const Bytes jpeg = classflow::test::add_exif_orientation(solid(16, 8, 3, {1, 2, 3}), orientation, big_endian);
  const DecodeResult d = decode(jpeg);
  REQUIRE(d.code == CF_OK);
  CHECK(d.info.orientation == orientation);
  // The decoder reports; the core rotates: the buffer keeps the stored shape.
  CHECK(d.info.out_width == 16);
  CHECK(d.info.out_height == 8);
  CHECK(decode(jpeg, decode_request(0, 0, false)).info.orientation == 1);
}

TEST_CASE("jpeg: no EXIF or an out-of-range orientation means 1", "[decoder]") {
  CHECK(decode(solid(8, 8, 3, {0, 0, 0})).info.orientation == 1);
  CHECK(decode(classflow::test::add_exif_orientation(solid(8, 8, 3, {0, 0, 0}), 9)).info.orientation == 1);
}

TEST_CASE("jpeg: CMYK converts to RGB as Pillow's convert('RGB') (BR-22)", "[decoder]") {
  using Row = std::tuple<std::vector<uint8_t>, std::vector<int>>;  // ink CMYK -> RGB
  const auto [ink, rgb] = GENERATE(table<std::vector<uint8_t>, std::vector<int>>({
      Row{{0, 0, 0, 0}, {255, 255, 255}},    // no ink: white paper
      Row{{255, 0, 0, 0}, {0, 255, 255}},    // cyan
      Row{{0, 255, 255, 0}, {255, 0, 0}},    // magenta + yellow: red
      Row{{0, 0, 0, 128}, {127, 127, 127}},  // half black: nk = 127
      Row{{0, 0, 0, 255}, {0, 0, 0}},        // full black
  }));
  INFO("ink " << int{ink[0]} << "," << int{ink[1]} << "," << int{ink[2]} << "," << int{ink[3]});
  std::vector<uint8_t> pixels;
  for (int i = 0; i < 8 * 8; ++i) pixels.insert(pixels.end(), ink.begin(), ink.end());
  const DecodeResult d = decode(classflow::test::encode_jpeg_cmyk(8, 8, pixels.data()));
  CHECK(d.decoder == "jpeg");
  CHECK(d.info.out_width == 8);
  CHECK(d.info.out_height == 8);
  require_all_near(d, rgb, 3);
}

TEST_CASE("jpeg: CMYK scales with DCT scaling too", "[decoder]") {
  std::vector<uint8_t> ink;
  for (int i = 0; i < 64 * 64; ++i) ink.insert(ink.end(), {255, 0, 0, 0});
  const DecodeResult d = decode(classflow::test::encode_jpeg_cmyk(64, 64, ink.data()), decode_request(8, 8));
  CHECK(d.info.out_width == 8);
  CHECK(d.info.out_height == 8);
  require_all_near(d, {0, 255, 255}, 3);
}

TEST_CASE("jpeg: a file cut at 60% of its bytes is an error, the whole file is not (BR-21)", "[decoder]") {
  const Bytes whole = noisy_jpeg();
  CHECK(decode(whole).code == CF_OK);
  const Bytes cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(whole.size() * 6 / 10));
  const DecodeResult d = decode(cut);
  CHECK(d.code == CF_ERROR_DATA);
  CHECK_THAT(d.message, StartsWith("truncated or corrupt JPEG data: "));
  CHECK_THAT(d.message, Contains("Premature end"));
}

TEST_CASE("jpeg: a header cut short fails in plan", "[decoder]") {
  const Bytes whole = noisy_jpeg();
  const Bytes cut(whole.begin(), whole.begin() + 40);  // inside the quantization tables
  const DecodeResult d = decode(cut);
  CHECK(d.code == CF_ERROR_DATA);
  CHECK_THAT(d.message, StartsWith("truncated or corrupt JPEG data: "));
}

TEST_CASE("jpeg: empty data is not sniffed and is refused by plan (BR-21)", "[decoder]") {
  const Bytes empty;
  const uint8_t dummy = 0;
  CHECK(builtin_registry().decoder_for(&dummy, 0) == nullptr);
  const DecodeResult d = run_decoder(decoder_named("jpeg").vtable, empty, decode_request());
  CHECK(d.code == CF_ERROR_DATA);
  CHECK(d.message == "data of '0' bytes is not a JPEG; expected it to start with FF D8 FF");
}

TEST_CASE("jpeg: decode refuses an info that plan did not return", "[decoder]") {
  const Bytes jpeg = solid(16, 16, 3, {5, 5, 5});
  const auto& vtable = *decoder_named("jpeg").vtable;
  const cf_decode_request req = decode_request();
  cf_status status{sizeof(cf_status), 0, {0}};
  cf_image_info info{};
  info.struct_size = sizeof info;
  REQUIRE(vtable.plan(jpeg.data(), jpeg.size(), &req, &info, &status) == CF_OK);
  info.out_width = 8;  // as if for 1/2 scale, which this request did not ask for
  info.out_height = 8;
  std::vector<uint8_t> out(8 * 8 * 3);
  CHECK(vtable.decode(jpeg.data(), jpeg.size(), &req, &info, out.data(), out.size(), &status) ==
        CF_ERROR_INVALID_ARGUMENT);
  CHECK_THAT(std::string(status.message), StartsWith("image info '8x8x3' does not match this JPEG"));
}

TEST_CASE("jpeg: every prefix of a file decodes or fails with a data error", "[decoder]") {
  std::vector<uint8_t> pixels(16 * 8 * 3);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 37);
  const Bytes whole =
      classflow::test::add_exif_orientation(classflow::test::encode_jpeg(16, 8, 3, pixels.data(), 80), 3);
  const auto& vtable = decoder_named("jpeg").vtable;
  for (std::size_t n = 0; n <= whole.size(); ++n) {
    const DecodeResult d =
        run_decoder(vtable, Bytes(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n)), decode_request());
    INFO("prefix of " << n << " bytes: " << d.message);
    REQUIRE((n == whole.size() ? d.code == CF_OK : d.code == CF_ERROR_DATA));
  }
}
