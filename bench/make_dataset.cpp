// classflow_bench_make_dataset: cuts a deterministic benchmark set of JPEG photos out of a few
// large source photographs.
//
// Why: a loader benchmark needs thousands of real photos (natural-image entropy decodes at a
// realistic speed; synthetic noise or flat colour does not), with a licence we can name and
// without downloading anything. Debian's wallpaper packages ship CC-licensed photographs of
// 1–20 MP; random crops of them give any number of distinct photos at the sizes we want.
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <turbojpeg.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Options {
  fs::path out;
  int count = 2000;
  int width = 500;
  int height = 375;
  int classes = 10;
  int quality = 90;
  int threads = 2;
  uint64_t seed = 1;
  std::vector<std::string> sources;
};

// SplitMix64: tiny and fully specified, so the same seed gives the same crops with any
// standard library (std::uniform_int_distribution is implementation-defined).
struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi] (inclusive); the modulo bias is irrelevant for a benchmark.
  int64_t between(int64_t lo, int64_t hi) {
    return hi <= lo ? lo : lo + static_cast<int64_t>(next() % static_cast<uint64_t>(hi - lo + 1));
  }
};

void usage(std::ostream& os) {
  os << "usage: classflow_bench_make_dataset --out DIR [--count N] [--size WxH] [--classes K]\n"
        "                                    [--seed S] [--quality Q] [--threads T] SOURCE...\n"
        "Writes N JPEG crops (W x H, quality Q, 4:2:0) of the SOURCE photos into DIR/class_00..,\n"
        "image i in class i % K, and DIR/.manifest.tsv (written last: the set is complete).\n"
        "Same sources + options => byte-identical output (for the same libjpeg-turbo).\n";
}

[[noreturn]] void fail(const std::string& msg) {
  std::cerr << "classflow_bench_make_dataset: " << msg << "\n";
  std::exit(1);
}

int to_int(const std::string& flag, const std::string& v, int lo) {
  char* end = nullptr;
  errno = 0;
  long x = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno != 0 || x < lo || x > 1'000'000'000)
    fail(flag + " '" + v + "' is not an integer >= " + std::to_string(lo));
  return static_cast<int>(x);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) fail(a + " needs a value");
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      usage(std::cout);
      std::exit(0);
    } else if (a == "--out") {
      o.out = value();
    } else if (a == "--count") {
      o.count = to_int(a, value(), 1);
    } else if (a == "--classes") {
      o.classes = to_int(a, value(), 1);
    } else if (a == "--quality") {
      o.quality = std::min(100, to_int(a, value(), 1));
    } else if (a == "--threads") {
      o.threads = to_int(a, value(), 1);
    } else if (a == "--seed") {
      o.seed = static_cast<uint64_t>(to_int(a, value(), 0));
    } else if (a == "--size") {
      std::string v = value();
      auto x = v.find('x');
      if (x == std::string::npos) fail("--size '" + v + "' is not WxH, e.g. 500x375");
      o.width = to_int("--size width", v.substr(0, x), 8);
      o.height = to_int("--size height", v.substr(x + 1), 8);
    } else if (!a.empty() && a[0] == '-') {
      usage(std::cerr);
      fail("unknown option '" + a + "'");
    } else {
      o.sources.push_back(a);
    }
  }
  if (o.out.empty()) fail("--out DIR is required");
  if (o.sources.empty()) fail("no SOURCE photo given");
  // Sorted and de-duplicated: the output depends on the set of sources, not on argument order.
  std::set<std::string> unique(o.sources.begin(), o.sources.end());
  o.sources.assign(unique.begin(), unique.end());
  return o;
}

struct Source {
  std::string path;
  cv::Mat bgr;
  // bgr halved again and again (INTER_AREA, exact 2x: OpenCV's fast path), so a crop is shrunk
  // from the level just above the target size: same result as one area resize, ~10x faster.
  std::vector<cv::Mat> halves;
};

void build_halves(Source& s, int min_width) {
  const cv::Mat* prev = &s.bgr;
  while (prev->cols / 2 >= min_width) {
    cv::Mat even = (*prev)(cv::Rect(0, 0, prev->cols & ~1, prev->rows & ~1)), half;
    cv::resize(even, half, cv::Size(even.cols / 2, even.rows / 2), 0, 0, cv::INTER_AREA);
    s.halves.push_back(std::move(half));
    prev = &s.halves.back();
  }
}

// The crop `r` (level-0 pixels) from the smallest level still at least `min_width` wide.
cv::Mat crop_from_levels(const Source& s, cv::Rect r, int min_width) {
  const cv::Mat* m = &s.bgr;
  for (std::size_t l = 0; l < s.halves.size() && r.width / 2 >= min_width; ++l) {
    r = cv::Rect(r.x / 2, r.y / 2, r.width / 2, r.height / 2) & cv::Rect(0, 0, s.halves[l].cols, s.halves[l].rows);
    m = &s.halves[l];
  }
  return (*m)(r);
}

// The crop of one output image: source, rectangle in source pixels, mirrored or not.
struct Cut {
  int source = 0;
  cv::Rect rect;
  bool flip = false;
};

Cut plan(const Options& o, const std::vector<Source>& src, const std::vector<int>& eligible, int index) {
  SplitMix64 rng{o.seed * 0x2545F4914F6CDD1DULL + static_cast<uint64_t>(index)};
  Cut c;
  c.source = eligible[static_cast<std::size_t>(rng.between(0, static_cast<int64_t>(eligible.size()) - 1))];
  const cv::Mat& m = src[static_cast<std::size_t>(c.source)].bgr;
  // Largest crop of the target aspect ratio that fits the source.
  const double aspect = static_cast<double>(o.width) / o.height;
  int max_w = std::min(m.cols, static_cast<int>(m.rows * aspect));
  int w = max_w >= o.width ? static_cast<int>(rng.between(o.width, max_w))  // crop, then shrink
                           : max_w;                                          // too small: upscale all
  int h = std::max(1, std::min(m.rows, static_cast<int>(w / aspect + 0.5)));
  c.rect = cv::Rect(static_cast<int>(rng.between(0, m.cols - w)), static_cast<int>(rng.between(0, m.rows - h)), w, h);
  c.flip = (rng.next() & 1U) != 0;
  return c;
}

std::vector<unsigned char> encode(tjhandle tj, const cv::Mat& bgr, int quality) {
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  if (tjCompress2(tj, bgr.data, bgr.cols, static_cast<int>(bgr.step), bgr.rows, TJPF_BGR, &buf, &size, TJSAMP_420,
                  quality, 0) != 0)
    fail(std::string("tjCompress2: ") + tjGetErrorStr2(tj));
  std::vector<unsigned char> out(buf, buf + size);
  tjFree(buf);
  return out;
}

}  // namespace

/// Entry point. Reads every SOURCE with OpenCV imgcodecs (EXIF orientation applied), then for
/// image i draws from a SplitMix64 stream seeded by (seed, i): a source, a crop of the target
/// aspect ratio between the target size and the largest that fits, a position and a mirror flag.
/// The crop is shrunk with INTER_AREA to W x H (or enlarged with INTER_CUBIC when no source is
/// large enough: sources too small are skipped while any is large enough), encoded by TurboJPEG
/// at quality Q with 4:2:0 subsampling and written to DIR/class_KK/img_NNNNN.jpg. Images are
/// made on T threads; since each depends only on (seed, i), the output does not depend on T.
/// Exit status: 0 on success, 1 on any error (message on stderr).
int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  cv::setNumThreads(1);  // we parallelise over images ourselves

  std::vector<Source> src;
  for (const auto& p : o.sources) {
    cv::Mat m = cv::imread(p, cv::IMREAD_COLOR);
    if (m.empty()) {
      std::cerr << "classflow_bench_make_dataset: warning: cannot read '" << p << "', skipped\n";
      continue;
    }
    src.push_back({p, std::move(m), {}});
  }
  if (src.empty()) fail("none of the SOURCE photos could be read");

  // Prefer cropping: use only sources that hold a full-resolution crop, unless none does.
  const double aspect = static_cast<double>(o.width) / o.height;
  std::vector<int> eligible;
  for (std::size_t i = 0; i < src.size(); ++i)
    if (std::min(src[i].bgr.cols, static_cast<int>(src[i].bgr.rows * aspect)) >= o.width &&
        src[i].bgr.rows >= o.height)
      eligible.push_back(static_cast<int>(i));
  if (eligible.empty()) {
    std::cerr << "classflow_bench_make_dataset: warning: no source is " << o.width << "x" << o.height
              << " or larger; upscaling\n";
    for (std::size_t i = 0; i < src.size(); ++i) eligible.push_back(static_cast<int>(i));
  }

  for (auto& s : src) build_halves(s, o.width);

  fs::create_directories(o.out);
  fs::remove(o.out / ".manifest.tsv");  // an interrupted run must not look complete
  for (int k = 0; k < o.classes; ++k) {
    char name[32];
    std::snprintf(name, sizeof name, "class_%02d", k);
    fs::create_directories(o.out / name);
  }

  std::vector<Cut> cuts(static_cast<std::size_t>(o.count));
  std::vector<std::string> names(cuts.size());
  std::atomic<int> next{0};
  std::mutex err_mu;
  std::string first_error;
  auto worker = [&] {
    tjhandle tj = tjInitCompress();
    if (tj == nullptr) fail("tjInitCompress failed");
    cv::Mat cropped, sized;
    for (int i = next++; i < o.count; i = next++) {
      Cut c = plan(o, src, eligible, i);
      cropped = crop_from_levels(src[static_cast<std::size_t>(c.source)], c.rect, o.width);
      int interp = c.rect.width >= o.width ? cv::INTER_AREA : cv::INTER_CUBIC;
      cv::resize(cropped, sized, cv::Size(o.width, o.height), 0, 0, interp);
      if (c.flip) cv::flip(sized, sized, 1);
      if (!sized.isContinuous()) sized = sized.clone();
      std::vector<unsigned char> jpeg = encode(tj, sized, o.quality);
      char name[64];
      std::snprintf(name, sizeof name, "class_%02d/img_%05d.jpg", i % o.classes, i);
      std::ofstream f(o.out / name, std::ios::binary | std::ios::trunc);
      f.write(reinterpret_cast<const char*>(jpeg.data()), static_cast<std::streamsize>(jpeg.size()));
      if (!f) {
        std::lock_guard<std::mutex> lock(err_mu);
        if (first_error.empty()) first_error = std::string("cannot write '") + (o.out / name).string() + "'";
      }
      cuts[static_cast<std::size_t>(i)] = c;
      names[static_cast<std::size_t>(i)] = name;
    }
    tjDestroy(tj);
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < o.threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (!first_error.empty()) fail(first_error);

  // Provenance (which photo each file was cut from, for attribution) and the completion mark.
  std::ostringstream manifest;
  manifest << "file\tsource\tx\ty\tw\th\tflip\n";
  for (std::size_t i = 0; i < cuts.size(); ++i) {
    const Cut& c = cuts[i];
    manifest << names[i] << '\t' << src[static_cast<std::size_t>(c.source)].path << '\t' << c.rect.x << '\t'
             << c.rect.y << '\t' << c.rect.width << '\t' << c.rect.height << '\t' << (c.flip ? 1 : 0) << '\n';
  }
  std::ofstream mf(o.out / ".manifest.tsv", std::ios::trunc);
  mf << manifest.str();
  if (!mf) fail("cannot write the manifest in '" + o.out.string() + "'");
  std::cerr << "classflow_bench_make_dataset: wrote " << o.count << " images " << o.width << "x" << o.height
            << " from " << eligible.size() << " sources into " << o.out.string() << "\n";
  return 0;
}
