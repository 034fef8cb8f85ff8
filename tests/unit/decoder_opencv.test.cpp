// The built-in 'opencv' decoder (BMP, PNM, TIFF, WebP), driven through the registry (sniff ->
// plan -> decode over the C ABI): channel order and counts, 16-bit scaling (BR-24), header-only
// plan, truncated and foreign data.
#include <catch2/catch.hpp>

#include <classflow/sdk/abi.h>
#include <classflow/registry.hpp>

#include <decode_helpers.hpp>
#include <image_writer.hpp>

#include <opencv2/imgcodecs.hpp>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

using Catch::Matchers::StartsWith;
using namespace classflow::test;  // Bytes, image writers, decode helpers

namespace {

/// Only keep_16bit varies here.
cf_decode_request request(bool keep_16bit = false) { return decode_request(0, 0, true, keep_16bit); }

/// The bytes of a string literal, embedded NULs included, without the terminating NUL.
template <std::size_t N>
Bytes text(const char (&literal)[N]) {
  return Bytes(literal, literal + N - 1);
}

/// Two different pixels, so a BGR/RGB swap or a flipped row order shows: [2, 1, 3].
const std::vector<uint8_t> two_pixels = {10, 20, 30, 200, 150, 100};

}  // namespace

TEST_CASE("opencv: claims its extensions and sniffs each format's magic bytes", "[decoder]") {
  const auto& ocv = decoder_named("opencv");
  CHECK(ocv.extensions ==
        std::vector<std::string>{".bmp", ".dib", ".ppm", ".pgm", ".pbm", ".pnm", ".tif", ".tiff", ".webp"});
  auto sniff = [&](const Bytes& b) { return ocv.vtable->sniff(b.data(), b.size()) != 0; };
  CHECK(sniff(classflow::test::encode_with_opencv(".bmp", 2, 1, 3, 8, two_pixels.data())));
  CHECK(sniff(text("P6\n2 1\n255\n")));
  CHECK(sniff(text("P1 1 1 0")));
  CHECK(sniff(Bytes{'I', 'I', 42, 0, 8, 0, 0, 0}));
  CHECK(sniff(Bytes{'M', 'M', 0, 42, 0, 0, 0, 8}));
  CHECK(sniff(text("RIFF\x10\0\0\0WEBPVP8L")));
  CHECK_FALSE(sniff(text("BMW owners club, minutes of the meeting")));  // "BM" alone is not a BMP
  CHECK_FALSE(sniff(text("P7\nWIDTH 1\n")));
  CHECK_FALSE(sniff(text("RIFF\x10\0\0\0WAVEfmt ")));
}

TEST_CASE("opencv: an 8-bit gray BMP stays one channel (BR-24)", "[decoder]") {
  const auto g8 = repeat<uint8_t>({77}, 16);
  const DecodeResult d = decode(classflow::test::encode_with_opencv(".bmp", 4, 4, 1, 8, g8.data()));
  REQUIRE(d.code == CF_OK);
  CHECK(d.decoder == "opencv");
  CHECK(d.info.width == 4);
  CHECK(d.info.height == 4);
  CHECK(d.info.out_channels == 1);
  CHECK(d.info.out_dtype == CF_DTYPE_UINT8);
  CHECK(d.samples() == std::vector<int>(16, 77));
}

TEST_CASE("opencv: lossless formats decode RGB in RGB order, rows top-down", "[decoder]") {
  const std::string extension = GENERATE(".bmp", ".ppm", ".tif", ".tiff", ".webp");
  INFO(extension);
  const std::vector<int> params =
      extension == ".webp" ? std::vector<int>{cv::IMWRITE_WEBP_QUALITY, 101} : std::vector<int>{};
  // 2x3: rows (a b), (b a), (a a)
  const std::vector<uint8_t> a = {10, 20, 30}, b = {200, 150, 100};
  std::vector<uint8_t> pixels;
  for (const auto* p : {&a, &b, &b, &a, &a, &a}) pixels.insert(pixels.end(), p->begin(), p->end());
  const DecodeResult d = decode(classflow::test::encode_with_opencv(extension, 2, 3, 3, 8, pixels.data(), params));
  REQUIRE(d.code == CF_OK);
  CHECK(d.decoder == "opencv");
  CHECK(d.info.out_width == 2);
  CHECK(d.info.out_height == 3);
  CHECK(d.info.out_channels == 3);
  CHECK(d.samples() == std::vector<int>(pixels.begin(), pixels.end()));
}

TEST_CASE("opencv: RGBA TIFF and WebP keep alpha as RGBA", "[decoder]") {
  const std::string extension = GENERATE(".tif", ".webp");
  INFO(extension);
  const std::vector<int> params =
      extension == ".webp" ? std::vector<int>{cv::IMWRITE_WEBP_QUALITY, 101} : std::vector<int>{};
  const std::vector<uint8_t> rgba = {255, 0, 0, 128, 0, 0, 255, 255};
  const DecodeResult d = decode(classflow::test::encode_with_opencv(extension, 2, 1, 4, 8, rgba.data(), params));
  REQUIRE(d.code == CF_OK);
  CHECK(d.info.out_channels == 4);
  CHECK(d.samples() == std::vector<int>(rgba.begin(), rgba.end()));
}

TEST_CASE("opencv: a 32-bit BMP without an alpha mask is RGB, as Pillow reads it", "[decoder]") {
  const std::vector<uint8_t> rgba = {255, 0, 0, 0, 0, 0, 255, 0};  // OpenCV writes BGRA, alpha 0
  const DecodeResult d = decode(classflow::test::encode_with_opencv(".bmp", 2, 1, 4, 8, rgba.data()));
  REQUIRE(d.code == CF_OK);
  CHECK(d.info.out_channels == 3);
  CHECK(d.samples() == std::vector<int>{255, 0, 0, 0, 0, 255});
}

TEST_CASE("opencv: 16-bit PGM and TIFF are scaled to 8 bits, or kept exactly (BR-24)", "[decoder]") {
  const std::string extension = GENERATE(".pgm", ".tif");
  INFO(extension);
  const std::vector<uint16_t> g16 = {1000, 65535, 0, 32768};
  const Bytes file = classflow::test::encode_with_opencv(extension, 2, 2, 1, 16, g16.data());

  const DecodeResult scaled = decode(file);
  REQUIRE(scaled.code == CF_OK);
  CHECK(scaled.info.out_channels == 1);
  CHECK(scaled.info.out_dtype == CF_DTYPE_UINT8);
  CHECK(scaled.samples() == std::vector<int>{4, 255, 0, 128});  // round(v * 255 / 65535)

  const DecodeResult kept = decode(file, request(true));
  REQUIRE(kept.code == CF_OK);
  CHECK(kept.info.out_dtype == CF_DTYPE_UINT16);
  CHECK(kept.samples() == std::vector<int>{1000, 65535, 0, 32768});
}

TEST_CASE("opencv: a 16-bit PPM scales by its maxval", "[decoder]") {
  // maxval 1000: 1000 is full intensity, 500 is half.
  Bytes ppm = text("P6\n1 1\n1000\n");
  for (uint16_t v : {1000, 500, 0}) ppm.insert(ppm.end(), {uint8_t(v >> 8), uint8_t(v & 0xFF)});
  const DecodeResult d = decode(ppm);
  REQUIRE(d.code == CF_OK);
  CHECK(d.info.out_channels == 3);
  CHECK(d.samples() == std::vector<int>{255, 128, 0});  // round(500 * 255 / 1000) = 128
  CHECK(decode(ppm, request(true)).samples() == std::vector<int>{1000, 500, 0});
}

TEST_CASE("opencv: an ASCII PBM gives one channel, 1 = black", "[decoder]") {
  const DecodeResult d = decode(text("P1\n# a comment\n3 1\n1 0 1\n"));
  REQUIRE(d.code == CF_OK);
  CHECK(d.info.out_width == 3);
  CHECK(d.info.out_height == 1);
  CHECK(d.info.out_channels == 1);
  CHECK(d.samples() == std::vector<int>{0, 255, 0});
}

TEST_CASE("opencv: plan reads sizes from the header, and refuses missing data before anything is allocated",
          "[decoder]") {
  // Each is only a header claiming 100000x100000 pixels; no pixel data follows.
  Bytes bmp = {'B', 'M', 0,  0, 0,    0,    0, 0, 0,    0,    54, 0, 0, 0,  // file header
               40,  0,   0,  0, 0xA0, 0x86, 1, 0, 0xA0, 0x86, 1,  0,        // size, width, height
               1,   0,   24, 0, 0,    0,    0, 0};                          // planes, 24 bpp, BI_RGB
  bmp.resize(54, 0);
  const Bytes pgm = text("P5\n100000 100000\n255\n");
  const Bytes tiff = {'I',  'I',  42, 0, 8, 0, 0, 0,                    // header
                      4,    0,                                          // 4 entries
                      0x00, 0x01, 4,  0, 1, 0, 0, 0, 0xA0, 0x86, 1, 0,  // ImageWidth LONG
                      0x01, 0x01, 4,  0, 1, 0, 0, 0, 0xA0, 0x86, 1, 0,  // ImageLength LONG
                      0x06, 0x01, 3,  0, 1, 0, 0, 0, 1,    0,    0, 0,  // Photometric: gray
                      0x11, 0x01, 4,  0, 1, 0, 0, 0, 62,   0,    0, 0,  // StripOffsets
                      0,    0,    0,  0};
  // TIFF's data size is not known from its header: the host's max_image_pixels measures it.
  const DecodeResult t = decode(tiff, request(), false);
  REQUIRE(t.code == CF_OK);
  CHECK(t.info.width == 100000);
  CHECK(t.info.height == 100000);
  // BMP and PNM say how many bytes follow: a header alone is refused at plan (issue 8: a
  // 118-byte BMP used to cost 574 MB before being refused).
  const DecodeResult b = decode(bmp, request(), false);
  CHECK(b.code == CF_ERROR_DATA);
  CHECK(b.message == "truncated or corrupt BMP data: data of '54' bytes ends before the 30000000054 bytes its "
                     "header needs");
  const DecodeResult p = decode(pgm, request(), false);
  CHECK(p.code == CF_ERROR_DATA);
  CHECK_THAT(p.message, Catch::StartsWith("truncated or corrupt PNM data: data of '21' bytes ends before the "));
}

TEST_CASE("opencv: a truncated file is an error naming the format", "[decoder]") {
  using Row = std::tuple<std::string, std::string>;
  const auto [extension, prefix] = GENERATE(table<std::string, std::string>({
      Row{".bmp", "truncated or corrupt BMP data: "},
      Row{".ppm", "truncated or corrupt PNM data: "},
      Row{".tif", "truncated or corrupt TIFF data: "},
      Row{".webp", "truncated or corrupt WebP data: "},
  }));
  INFO(extension);
  std::vector<uint8_t> noise(64 * 64 * 3);
  unsigned state = 99;
  for (auto& v : noise) {
    state = state * 1103515245u + 12345u;
    v = static_cast<uint8_t>(state >> 16);
  }
  const Bytes whole = classflow::test::encode_with_opencv(extension, 64, 64, 3, 8, noise.data());
  CHECK(decode(whole).code == CF_OK);
  const Bytes cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(whole.size() * 6 / 10));
  const DecodeResult d = decode(cut);
  CHECK(d.code == CF_ERROR_DATA);
  CHECK_THAT(d.message, StartsWith(prefix));
}

TEST_CASE("opencv: a PNM size with leading zeros is the size OpenCV reads, so max_image_pixels sees it",
          "[decoder]") {
  // 14 digits: read as 2 once, while OpenCV read 20531 and allocated 37997x20531x3 bytes.
  const DecodeResult p = decode(text("P3 00037997 00000000020531 255\n1 2 3\n"), request(), false);
  CHECK(p.code == CF_OK);
  CHECK(p.info.width == 37997);
  CHECK(p.info.height == 20531);
  const DecodeResult huge = decode(text("P3 1 000000000000000000002147483648 255\n"), request(), false);
  CHECK(huge.code == CF_ERROR_DATA);
  CHECK(huge.message == "truncated or corrupt PNM data: header field 'height' is missing or not a number; expected a "
                        "positive decimal");
}

TEST_CASE("opencv: a malformed PNM header names the field", "[decoder]") {
  const DecodeResult d = decode(text("P5\nwide 2\n255\n"), request(), false);
  CHECK(d.code == CF_ERROR_DATA);
  CHECK(d.message ==
        "truncated or corrupt PNM data: header field 'width' is missing or not a "
        "number; expected a positive decimal");
}

TEST_CASE("opencv: empty data is not sniffed and is refused by plan", "[decoder]") {
  const uint8_t dummy = 0;
  CHECK(builtin_registry().decoder_for(&dummy, 0) == nullptr);
  const DecodeResult d = run_decoder(decoder_named("opencv").vtable, Bytes{}, request());
  CHECK(d.code == CF_ERROR_DATA);
  CHECK(d.message ==
        "data of '0' bytes is not a BMP, PNM, TIFF or WebP image; expected one of "
        "their signatures (BM, P1-P6, II*, MM*, RIFF....WEBP)");
}

TEST_CASE("opencv: every prefix of a file decodes or fails with a data error", "[decoder]") {
  const std::string extension = GENERATE(".bmp", ".pgm", ".ppm", ".tif", ".webp");
  INFO(extension);
  const int channels = extension == ".pgm" ? 1 : 3;
  std::vector<uint8_t> pixels(8 * 4 * static_cast<std::size_t>(channels));
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 37);
  const Bytes whole = classflow::test::encode_with_opencv(extension, 8, 4, channels, 8, pixels.data());
  const auto& vtable = decoder_named("opencv").vtable;
  for (std::size_t n = 0; n < whole.size(); ++n) {
    const DecodeResult d =
        run_decoder(vtable, Bytes(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n)), request());
    INFO("prefix of " << n << " bytes: " << d.message);
    REQUIRE(d.code == CF_ERROR_DATA);
  }
  CHECK(run_decoder(vtable, whole, request()).code == CF_OK);
}
