// classflow_bench_stages: what each stage of the image path costs, one image at a time on one
// thread (Google Benchmark), next to the OpenCV call it could have been.
//
// Why: `classflow flow` is judged against the decode bound as a whole (bench/run); when it falls
// short, this says which stage the time goes to. Every stage runs on fixed images made in memory
// (no files, no page cache), so two runs differ only by the machine and its load:
//   - a 500x375 RGB "photo" (gradients, soft discs, a fine texture and SplitMix64 noise; integer
//     arithmetic only), encoded once with TurboJPEG at quality 90, 4:2:0 (as bench/make_dataset);
//   - jpeg_decode: that JPEG decoded at full size to RGB with TurboJPEG, accurate DCT (as the
//     jpeg plugin);
//   - resize/pillow_*: the decoded image resized to 224x224 by the core's Pillow-equivalent
//     resampler (core/src/image/resample.cpp, compiled in: it is internal to the core), one row
//     per filter; resize/opencv_*: cv::resize INTER_LINEAR and INTER_AREA of the same image;
//   - to_float/*: a 224x224x3 uint8 image to float32 scaled by 1/255, the core's u8_to_f32
//     (core/src/image/pixel_convert.cpp, compiled in) against cv::Mat::convertTo. Each iteration
//     writes the next slot of a 64-byte aligned 32-image batch (as the loader fills a batch);
//     u8_to_f32_unaligned writes 16 bytes off alignment (the loader's batches are aligned).
// items_per_second is images per second. OpenCV runs on one thread (cv::setNumThreads(1)), like
// every other stage here: the loader's parallelism is its workers, measured by bench/run.
#include <benchmark/benchmark.h>
#include <sys/mman.h>
#include <turbojpeg.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "image/pixel_convert.hpp"
#include "image/resample.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

using classflow::detail::PillowFilter;

constexpr int kWidth = 500, kHeight = 375;  // the bench's "photos" set
constexpr int kTarget = 224;                // the flow's --target-size 224x224
constexpr int kQuality = 90;
constexpr int kBatch = 32;

[[noreturn]] void fail(const std::string& msg) {
  std::fprintf(stderr, "classflow_bench_stages: %s\n", msg.c_str());
  std::exit(1);
}

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

uint8_t clamp8(int v) { return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v); }

// A deterministic photo-like RGB image: smooth gradients (what JPEG compresses well), soft-edged
// discs (edges), a fine structured texture and per-pixel noise (detail that costs bits), all in
// integer arithmetic so every machine makes the same pixels.
cv::Mat synthetic_photo(int w, int h) {
  struct Disc {
    int cx, cy, r, red, green, blue;
  };
  const Disc discs[] = {{w * 3 / 10, h * 2 / 5, h / 4, 230, 190, 60},
                        {w * 7 / 10, h * 3 / 5, h / 3, 40, 90, 200},
                        {w / 2, h / 6, h / 8, 250, 250, 240}};
  cv::Mat img(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y) {
    uint8_t* row = img.ptr<uint8_t>(y);
    for (int x = 0; x < w; ++x) {
      int c[3] = {40 + 150 * x / (w - 1), 30 + 170 * y / (h - 1), 180 - 120 * (x + y) / (w + h - 2)};
      for (const Disc& d : discs) {
        const int d2 = (x - d.cx) * (x - d.cx) + (y - d.cy) * (y - d.cy), r2 = d.r * d.r;
        if (d2 >= r2) continue;
        const int a = std::min(256, 512 * (r2 - d2) / r2);  // opaque inside, a soft rim
        const int col[3] = {d.red, d.green, d.blue};
        for (int k = 0; k < 3; ++k) c[k] = (c[k] * (256 - a) + col[k] * a) >> 8;
      }
      const int texture = (((x * 7 + y * 13) ^ ((x * y) >> 4)) & 15) - 8;
      const uint64_t n = splitmix64(static_cast<uint64_t>(y) * static_cast<uint64_t>(w) + static_cast<uint64_t>(x));
      for (int k = 0; k < 3; ++k) {
        const int noise = static_cast<int>((n >> (16 * k)) % 21) - 10;
        row[3 * x + k] = clamp8(c[k] + texture + noise);
      }
    }
  }
  return img;
}

struct TjDeleter {
  void operator()(void* h) const { tjDestroy(h); }
};
using TjHandle = std::unique_ptr<void, TjDeleter>;

std::vector<unsigned char> encode_jpeg(const cv::Mat& rgb, int quality) {
  TjHandle tj(tjInitCompress());
  if (!tj) fail(std::string("tjInitCompress: ") + tjGetErrorStr2(nullptr));
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  if (tjCompress2(tj.get(), rgb.data, rgb.cols, static_cast<int>(rgb.step), rgb.rows, TJPF_RGB, &buf, &size, TJSAMP_420,
                  quality, 0) != 0)
    fail(std::string("tjCompress2: ") + tjGetErrorStr2(tj.get()));
  std::vector<unsigned char> out(buf, buf + size);
  tjFree(buf);
  return out;
}

// The fixed inputs, made once before any benchmark runs.
struct Inputs {
  std::vector<unsigned char> jpeg;  // the synthetic photo as a quality-90 JPEG
  cv::Mat decoded;                  // that JPEG decoded (what the resize stages start from)
  cv::Mat small;                    // decoded resized to 224x224 (Pillow bilinear): to_float input
  // 1000x750 copies of a synthetic photo: what the large set's 2000x1500 JPEGs decode to at
  // 1/2 scale. 16 of them (36 MB) so a resize reads memory a decoder just wrote, not its cache.
  std::vector<cv::Mat> half_scale;
};
const Inputs* g_in = nullptr;

void decode_into(tjhandle tj, const std::vector<unsigned char>& jpeg, cv::Mat& out) {
  if (tjDecompress2(tj, jpeg.data(), static_cast<unsigned long>(jpeg.size()), out.data, out.cols,
                    static_cast<int>(out.step), out.rows, TJPF_RGB, TJFLAG_ACCURATEDCT) != 0)
    fail(std::string("tjDecompress2: ") + tjGetErrorStr2(tj));
}

void BM_JpegDecode(benchmark::State& state) {
  TjHandle tj(tjInitDecompress());
  if (!tj) fail(std::string("tjInitDecompress: ") + tjGetErrorStr2(nullptr));
  cv::Mat out(kHeight, kWidth, CV_8UC3);
  for (auto _ : state) {
    decode_into(tj.get(), g_in->jpeg, out);
    benchmark::DoNotOptimize(out.data);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("TurboJPEG tjDecompress2, 500x375 q90 4:2:0 -> RGB, accurate DCT");
}

// Each iteration resizes the next of `count` images from `images` (1: it stays in cache).
void BM_PillowResize(benchmark::State& state, const cv::Mat* images, std::size_t count, PillowFilter filter,
                     const char* label) {
  cv::Mat dst;
  std::size_t i = 0;
  for (auto _ : state) {
    classflow::detail::pillow_resize(images[i++ % count], dst, kTarget, kTarget, filter);
    benchmark::DoNotOptimize(dst.data);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(label);
}

void BM_OpenCvResize(benchmark::State& state, int interpolation, const char* label) {
  cv::Mat dst;
  for (auto _ : state) {
    cv::resize(g_in->decoded, dst, cv::Size(kTarget, kTarget), 0, 0, interpolation);
    benchmark::DoNotOptimize(dst.data);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(label);
}

// A float32 batch of kBatch 224x224x3 images as the loader allocates one (core/src/loader/
// tensor_memory.cpp): 2 MiB aligned, MADV_HUGEPAGE, faulted in before use (the loader reuses its
// batch memory, so page faults are no part of the stage). Each iteration fills the next slot;
// slots are 602,112 bytes, a multiple of 64, so every slot is 64-byte aligned.
struct Batch {
  static constexpr std::size_t kFloats = std::size_t{kTarget} * kTarget * 3;
  static constexpr std::size_t kSpare = 16;  // room for the misaligned variant
  static constexpr std::size_t kHuge = std::size_t{2} << 20;
  static constexpr std::size_t kBytes = ((kFloats * kBatch + kSpare) * sizeof(float) + kHuge - 1) / kHuge * kHuge;
  std::unique_ptr<float, decltype(&std::free)> mem{static_cast<float*>(std::aligned_alloc(kHuge, kBytes)), &std::free};
  Batch() {
    if (!mem) fail("out of memory");
    ::madvise(mem.get(), kBytes, MADV_HUGEPAGE);  // a hint: honoured when THP is "always" or "madvise"
    std::memset(mem.get(), 0, kBytes);
  }
  float* slot(std::size_t i) { return mem.get() + (i % kBatch) * kFloats; }
};

// offset 0: the batch's aligned slots, where u8_to_f32 streams its stores past the cache (what
// the loader does); offset 4 floats (16 bytes): the same with ordinary stores, to show what the
// non-temporal stores cost or save on this machine.
void BM_U8ToF32(benchmark::State& state, std::size_t offset, const char* label) {
  Batch batch;
  const cv::Mat& src = g_in->small;
  std::size_t i = 0;
  for (auto _ : state) {
    float* dst = batch.slot(i++) + offset;
    classflow::detail::u8_to_f32(src.data, dst, Batch::kFloats, 1.0f / 255.0f);
    benchmark::DoNotOptimize(dst);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(label);
}

void BM_ConvertTo(benchmark::State& state) {
  Batch batch;
  const cv::Mat& src = g_in->small;
  std::size_t i = 0;
  for (auto _ : state) {
    cv::Mat dst(kTarget, kTarget, CV_32FC3, batch.slot(i++));
    src.convertTo(dst, CV_32F, 1.0 / 255.0);
    benchmark::DoNotOptimize(dst.data);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("cv::Mat::convertTo(CV_32F, 1/255), 224x224x3 into a 32-image batch");
}

}  // namespace

int main(int argc, char** argv) {
  cv::setNumThreads(1);
  static Inputs in;
  in.jpeg = encode_jpeg(synthetic_photo(kWidth, kHeight), kQuality);
  {
    TjHandle tj(tjInitDecompress());
    if (!tj) fail(std::string("tjInitDecompress: ") + tjGetErrorStr2(nullptr));
    int w = 0, h = 0, subsamp = 0, colorspace = 0;
    if (tjDecompressHeader3(tj.get(), in.jpeg.data(), static_cast<unsigned long>(in.jpeg.size()), &w, &h, &subsamp,
                            &colorspace) != 0 ||
        w != kWidth || h != kHeight)
      fail("the encoded JPEG does not read back as 500x375");
    in.decoded.create(kHeight, kWidth, CV_8UC3);
    decode_into(tj.get(), in.jpeg, in.decoded);
  }
  classflow::detail::pillow_resize(in.decoded, in.small, kTarget, kTarget, PillowFilter::bilinear);
  {
    const cv::Mat half = synthetic_photo(1000, 750);
    for (int i = 0; i < 16; ++i) in.half_scale.push_back(half.clone());
  }
  g_in = &in;

  benchmark::AddCustomContext("image", "500x375 RGB synthetic photo, JPEG q90 4:2:0 (" +
                                           std::to_string(in.jpeg.size()) + " bytes); resize target 224x224");
  benchmark::AddCustomContext("threads", "1 (cv::setNumThreads(1))");

  benchmark::RegisterBenchmark("jpeg_decode/turbojpeg", BM_JpegDecode);
  struct PillowCase {
    const char* name;
    PillowFilter filter;
    const char* label;
  };
  static const PillowCase pillow[] = {
      {"resize/pillow_bilinear", PillowFilter::bilinear, "classflow Pillow-equivalent BILINEAR 500x375 -> 224x224"},
      {"resize/pillow_bicubic", PillowFilter::bicubic, "classflow Pillow-equivalent BICUBIC 500x375 -> 224x224"},
      {"resize/pillow_lanczos", PillowFilter::lanczos, "classflow Pillow-equivalent LANCZOS 500x375 -> 224x224"},
      {"resize/pillow_box", PillowFilter::box, "classflow Pillow-equivalent BOX 500x375 -> 224x224"},
      {"resize/pillow_hamming", PillowFilter::hamming, "classflow Pillow-equivalent HAMMING 500x375 -> 224x224"},
  };
  for (const PillowCase& c : pillow)
    benchmark::RegisterBenchmark(c.name, BM_PillowResize, &in.decoded, std::size_t{1}, c.filter, c.label);
  benchmark::RegisterBenchmark("resize/pillow_bilinear_1000x750", BM_PillowResize, in.half_scale.data(), std::size_t{1},
                               PillowFilter::bilinear,
                               "classflow Pillow-equivalent BILINEAR 1000x750 -> 224x224 (one image, cached)");
  benchmark::RegisterBenchmark("resize/pillow_bilinear_1000x750_cold", BM_PillowResize, in.half_scale.data(),
                               in.half_scale.size(), PillowFilter::bilinear,
                               "the same, each time the next of 16 images (36 MB: from memory, as after a decode)");
  benchmark::RegisterBenchmark("resize/opencv_linear", BM_OpenCvResize, static_cast<int>(cv::INTER_LINEAR),
                               "cv::resize INTER_LINEAR 500x375 -> 224x224");
  benchmark::RegisterBenchmark("resize/opencv_area", BM_OpenCvResize, static_cast<int>(cv::INTER_AREA),
                               "cv::resize INTER_AREA 500x375 -> 224x224");
  benchmark::RegisterBenchmark(
      "to_float/u8_to_f32", BM_U8ToF32, std::size_t{0},
      "classflow u8_to_f32 (Highway), 224x224x3 x 1/255 into a 32-image batch (aligned)");
  benchmark::RegisterBenchmark(
      "to_float/u8_to_f32_unaligned", BM_U8ToF32, std::size_t{4},
      "the same 16 bytes off alignment (for comparison; the loader's batches are aligned)");
  benchmark::RegisterBenchmark("to_float/cv_convertTo", BM_ConvertTo);

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
