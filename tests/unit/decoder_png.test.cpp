// The built-in 'png' decoder, driven through the registry (sniff -> plan -> decode over the C
// ABI): channel layouts, 16-bit scaling (BR-24), palette transparency (BR-25), eXIf
// orientation, magic bytes over extension, truncated and empty data (BR-21).
#include <catch2/catch.hpp>

#include <classflow/sdk/abi.h>
#include <classflow/registry.hpp>

#include <decode_helpers.hpp>
#include <image_writer.hpp>
#include <temp_tree.hpp>

#include <zlib.h>

#include <algorithm>
#include <string>
#include <vector>

using Catch::Matchers::StartsWith;
using namespace classflow::test;  // Bytes, image writers, decode helpers

namespace {

/// keep_16bit first: it is what most cases here vary.
cf_decode_request request(bool keep_16bit = false, bool apply_orientation = true) {
  return decode_request(0, 0, apply_orientation, keep_16bit);
}

}  // namespace

TEST_CASE("png: claims .png and sniffs the 8-byte signature", "[decoder]") {
  const auto& png = decoder_named("png");
  CHECK(png.extensions == std::vector<std::string>{".png"});
  const uint8_t signature[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  CHECK(png.vtable->sniff(signature, 8) != 0);
  CHECK(png.vtable->sniff(signature, 7) == 0);
  const uint8_t text_png[] = {'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0};
  CHECK(png.vtable->sniff(text_png, 8) == 0);
}

TEST_CASE("png: 8-bit layouts keep their values, gray+alpha becomes RGBA", "[decoder]") {
  using Row = std::tuple<int, std::vector<uint8_t>, std::vector<int>>;  // channels, pixel -> out
  const auto [channels, pixel, expected] = GENERATE(table<int, std::vector<uint8_t>, std::vector<int>>({
      Row{1, {77}, {77}},
      Row{2, {77, 128}, {77, 77, 77, 128}},
      Row{3, {200, 100, 50}, {200, 100, 50}},
      Row{4, {255, 0, 0, 128}, {255, 0, 0, 128}},
  }));
  INFO("channels " << channels);
  const auto pixels = repeat(pixel, 3 * 2);
  const DecodeResult d = decode(classflow::test::encode_png(3, 2, channels, 8, pixels.data()));
  REQUIRE(d.code == CF_OK);
  CHECK(d.decoder == "png");
  CHECK(d.info.width == 3);
  CHECK(d.info.height == 2);
  CHECK(d.info.out_width == 3);
  CHECK(d.info.out_height == 2);
  CHECK(d.info.out_channels == static_cast<int>(expected.size()));
  CHECK(d.info.out_dtype == CF_DTYPE_UINT8);
  CHECK(d.samples() == repeat_int(expected, 3 * 2));
}

TEST_CASE("png: 16-bit is scaled to 8 bits, never clipped (BR-24)", "[decoder]") {
  const auto g16 = repeat<uint16_t>({1000}, 16);
  const DecodeResult gray = decode(classflow::test::encode_png(4, 4, 1, 16, g16.data()));
  REQUIRE(gray.code == CF_OK);
  CHECK(gray.info.out_channels == 1);
  CHECK(gray.info.out_dtype == CF_DTYPE_UINT8);
  CHECK(gray.samples() == std::vector<int>(16, 4));  // round(1000 * 255 / 65535)

  const auto g16max = repeat<uint16_t>({65535}, 16);
  CHECK(decode(classflow::test::encode_png(4, 4, 1, 16, g16max.data())).samples() == std::vector<int>(16, 255));

  const auto rgb16 = repeat<uint16_t>({1000, 32768, 65535}, 4);
  const DecodeResult rgb = decode(classflow::test::encode_png(2, 2, 3, 16, rgb16.data()));
  CHECK(rgb.samples() == repeat_int({4, 128, 255}, 4));
}

TEST_CASE("png: keep_16bit returns the exact uint16 values", "[decoder]") {
  const auto g16 = repeat<uint16_t>({1000}, 16);
  const DecodeResult gray = decode(classflow::test::encode_png(4, 4, 1, 16, g16.data()), request(true));
  REQUIRE(gray.code == CF_OK);
  CHECK(gray.info.out_dtype == CF_DTYPE_UINT16);
  CHECK(gray.bytes.size() == 4 * 4 * 2);
  CHECK(gray.samples() == std::vector<int>(16, 1000));

  const auto rgba16 = repeat<uint16_t>({1, 256, 65535, 32768}, 4);
  const DecodeResult rgba = decode(classflow::test::encode_png(2, 2, 4, 16, rgba16.data()), request(true));
  CHECK(rgba.info.out_channels == 4);
  CHECK(rgba.samples() == repeat_int({1, 256, 65535, 32768}, 4));

  // An 8-bit file stays uint8 even when 16 bits may be kept.
  const auto g8 = repeat<uint8_t>({9}, 4);
  const DecodeResult eight = decode(classflow::test::encode_png(2, 2, 1, 8, g8.data()), request(true));
  CHECK(eight.info.out_dtype == CF_DTYPE_UINT8);
  CHECK(eight.samples() == std::vector<int>(4, 9));
}

TEST_CASE("png: a palette becomes RGB, or RGBA with its tRNS alphas (BR-25)", "[decoder]") {
  const std::vector<std::array<uint8_t, 3>> palette = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}};
  const std::vector<uint8_t> indices = {0, 1, 2, 1};

  const DecodeResult opaque = decode(classflow::test::encode_png_palette(2, 2, palette, {}, indices));
  REQUIRE(opaque.code == CF_OK);
  CHECK(opaque.info.out_channels == 3);
  CHECK(opaque.samples() == std::vector<int>{255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 255, 0});

  // Two alphas for three entries: the third entry is opaque.
  const DecodeResult alpha = decode(classflow::test::encode_png_palette(2, 2, palette, {0, 128}, indices));
  REQUIRE(alpha.code == CF_OK);
  CHECK(alpha.info.out_channels == 4);
  CHECK(alpha.samples() == std::vector<int>{255, 0, 0, 0, 0, 255, 0, 128, 0, 0, 255, 255, 0, 255, 0, 128});
}

TEST_CASE("png: a tRNS colour on gray or RGB adds an alpha channel", "[decoder]") {
  const std::vector<uint8_t> gray = {10, 20, 10, 30};
  const DecodeResult g = decode(classflow::test::encode_png_trns_color(2, 2, 1, gray.data(), {10, 0, 0}));
  REQUIRE(g.code == CF_OK);
  CHECK(g.info.out_channels == 4);
  CHECK(g.samples() == std::vector<int>{10, 10, 10, 0, 20, 20, 20, 255, 10, 10, 10, 0, 30, 30, 30, 255});

  const std::vector<uint8_t> rgb = {1, 2, 3, 4, 5, 6};
  const DecodeResult c = decode(classflow::test::encode_png_trns_color(2, 1, 3, rgb.data(), {4, 5, 6}));
  REQUIRE(c.code == CF_OK);
  CHECK(c.info.out_channels == 4);
  CHECK(c.samples() == std::vector<int>{1, 2, 3, 255, 4, 5, 6, 0});
}

TEST_CASE("png: the eXIf orientation is reported when asked", "[decoder]") {
  const auto pixels = repeat<uint8_t>({1, 2, 3}, 4 * 2);
  const Bytes png = classflow::test::encode_png(4, 2, 3, 8, pixels.data(), 6);
  const DecodeResult d = decode(png);
  REQUIRE(d.code == CF_OK);
  CHECK(d.info.orientation == 6);
  CHECK(d.info.out_width == 4);  // the core rotates, the decoder does not
  CHECK(d.info.out_height == 2);
  CHECK(decode(png, request(false, false)).info.orientation == 1);
  CHECK(decode(classflow::test::encode_png(4, 2, 3, 8, pixels.data())).info.orientation == 1);
}

TEST_CASE("png: magic bytes win over the extension: a .jpg holding PNG bytes", "[decoder]") {
  const classflow::test::TempDir dir;
  const std::string path = dir.path("photo.jpg");
  classflow::test::solid_rgb_png(path, 4, 4, 12, 34, 56);
  const DecodeResult d = decode(classflow::test::read_bytes(path));
  CHECK(d.decoder == "png");
  REQUIRE(d.code == CF_OK);
  CHECK(d.samples() == repeat_int({12, 34, 56}, 16));
}

TEST_CASE("png: plan reads the header only, so a bomb is measured before decoding", "[decoder]") {
  // Signature, an IHDR chunk claiming 100000x100000 RGB, and the start of an IDAT chunk.
  const Bytes small = classflow::test::solid_rgb_png_bytes(1, 1, 0, 0, 0);
  Bytes header(small.begin(), small.begin() + 33);
  const uint8_t size[] = {0x00, 0x01, 0x86, 0xA0};  // 100000, big-endian
  std::copy(size, size + 4, header.begin() + 16);
  std::copy(size, size + 4, header.begin() + 20);
  const uLong crc = crc32(0L, header.data() + 12, 17);  // chunk type + data
  for (int i = 0; i < 4; ++i) header[29 + i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
  // png_read_info stops at the first IDAT chunk header: a bomb's compressed data follows it.
  header.insert(header.end(), {0, 0, 0x10, 0, 'I', 'D', 'A', 'T'});
  const DecodeResult d = decode(header, request(), false);
  INFO(d.message);
  REQUIRE(d.code == CF_OK);
  CHECK(d.info.width == 100000);
  CHECK(d.info.height == 100000);
  CHECK(d.info.out_channels == 3);
}

TEST_CASE("png: data cut at 60% is an error naming libpng's reason (BR-21)", "[decoder]") {
  std::vector<uint8_t> noise(64 * 64 * 3);
  unsigned state = 7;
  for (auto& v : noise) {
    state = state * 1103515245u + 12345u;
    v = static_cast<uint8_t>(state >> 16);
  }
  const Bytes whole = classflow::test::encode_png(64, 64, 3, 8, noise.data());
  CHECK(decode(whole).code == CF_OK);
  const Bytes cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(whole.size() * 6 / 10));
  const DecodeResult d = decode(cut);
  CHECK(d.code == CF_ERROR_DATA);
  CHECK(d.message == "truncated or corrupt PNG data: unexpected end of data");
}

TEST_CASE("png: a corrupt IHDR fails in plan", "[decoder]") {
  Bytes png = classflow::test::solid_rgb_png_bytes(2, 2, 1, 2, 3);
  png[24] = 7;  // bit depth 7 (and a CRC that no longer matches)
  const DecodeResult d = decode(png);
  CHECK(d.code == CF_ERROR_DATA);
  CHECK_THAT(d.message, StartsWith("truncated or corrupt PNG data: "));
}

TEST_CASE("png: empty data is not sniffed and is refused by plan (BR-21)", "[decoder]") {
  const uint8_t dummy = 0;
  CHECK(builtin_registry().decoder_for(&dummy, 0) == nullptr);
  const DecodeResult d = run_decoder(decoder_named("png").vtable, Bytes{}, request());
  CHECK(d.code == CF_ERROR_DATA);
  CHECK(d.message == "data of '0' bytes is not a PNG; expected the 8-byte PNG signature");
}

TEST_CASE("png: every prefix of a file decodes or fails with a data error", "[decoder]") {
  std::vector<uint16_t> pixels(8 * 4 * 2);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint16_t>(i * 977);
  const Bytes whole = classflow::test::encode_png(8, 4, 2, 16, pixels.data(), 8);
  const auto& vtable = decoder_named("png").vtable;
  for (std::size_t n = 0; n <= whole.size(); ++n) {
    const DecodeResult d =
        run_decoder(vtable, Bytes(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n)), request());
    INFO("prefix of " << n << " bytes: " << d.message);
    // Only IEND (the last 12 bytes) may be missing: the pixels are all there before it.
    REQUIRE((n + 12 >= whole.size() ? d.code == CF_OK : d.code == CF_ERROR_DATA));
  }
}
