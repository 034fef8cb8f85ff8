// classflow_bench_decode_bound: how fast can this machine just decode these JPEGs?
//
// Why: a loader can at best match the full-size decode of its files (plus a cheap resize), so
// that rate, measured on the same files in the same run, is the yardstick `classflow flow` is
// judged against; absolute images/s differ from one machine to the next, the ratio does not.
// It does what a loader's workers cannot avoid: read each file, decode it at full size to RGB
// with libjpeg-turbo's TurboJPEG API (accurate DCT, as the jpeg plugin), on N threads. With
// --scale 2 (4, 8) it decodes DCT-scaled instead, as classflow's JPEG draft does: the ceiling of
// a loader that decodes at that scale.
#include <turbojpeg.h>

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const std::string& msg) {
  std::cerr << "classflow_bench_decode_bound: " << msg << "\n";
  std::exit(1);
}

bool is_jpeg_name(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".jpe" || ext == ".jfif";
}

// Every JPEG under root, hidden entries skipped (as classflow does), in a fixed order.
std::vector<fs::path> list_jpegs(const fs::path& root) {
  std::vector<fs::path> files;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, ec), end;
  if (ec) fail("cannot read folder '" + root.string() + "': " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) fail("walking '" + root.string() + "': " + ec.message());
    if (it->path().filename().string().rfind('.', 0) == 0) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && is_jpeg_name(it->path())) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

/// Entry point: `classflow_bench_decode_bound DIR [--threads N] [--repeat R] [--scale S]`.
/// Lists every .jpg/.jpeg/.jpe/.jfif under DIR (recursively, hidden entries skipped), then
/// R times over the list, N threads (default 2) each take the next file, read it into a reused
/// buffer and decode it to RGB with tjDecompress2: at full size, or at 1/S of each side (S = 2,
/// 4 or 8: TurboJPEG's DCT scaling, sides rounded up). Prints one JSON line:
/// {"tool","root","images" (decoded, = files × R),"files","threads","repeat","scale","seconds",
///  "images_per_second","megapixels_per_second" (of the decoded size),"max_image_bytes" (largest
///  full-size W×H×3), "peak_rss_mib" (getrusage ru_maxrss)}. Exit 1 if a file fails to decode or
/// none is found.
int main(int argc, char** argv) {
  fs::path root;
  int threads = 2, repeat = 1, scale = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto number = [&]() {
      if (i + 1 >= argc) fail(a + " needs a value");
      char* end = nullptr;
      long v = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || v < 1 || v > 4096) fail(a + " '" + argv[i] + "' is not an integer in 1..4096");
      return static_cast<int>(v);
    };
    if (a == "-h" || a == "--help") {
      std::cout << "usage: classflow_bench_decode_bound DIR [--threads N (2)] [--repeat R (1)] [--scale 1|2|4|8 (1)]\n";
      return 0;
    } else if (a == "--threads") {
      threads = number();
    } else if (a == "--repeat") {
      repeat = number();
    } else if (a == "--scale") {
      scale = number();
      if (scale != 1 && scale != 2 && scale != 4 && scale != 8) fail("--scale '" + std::to_string(scale) + "' is not 1, 2, 4 or 8");
    } else if (!a.empty() && a[0] == '-') {
      fail("unknown option '" + a + "' (see --help)");
    } else if (root.empty()) {
      root = a;
    } else {
      fail("one DIR only; got '" + root.string() + "' and '" + a + "'");
    }
  }
  if (root.empty()) fail("usage: classflow_bench_decode_bound DIR [--threads N] [--repeat R] [--scale S]");
  const std::vector<fs::path> files = list_jpegs(root);
  if (files.empty()) fail("no JPEG file under '" + root.string() + "'");

  const std::size_t total = files.size() * static_cast<std::size_t>(repeat);
  std::atomic<std::size_t> next{0};
  std::atomic<uint64_t> pixels{0}, max_bytes{0};
  std::mutex err_mu;
  std::string first_error;
  auto worker = [&] {
    tjhandle tj = tjInitDecompress();
    if (tj == nullptr) fail("tjInitDecompress failed");
    std::vector<unsigned char> bytes, rgb;
    uint64_t my_pixels = 0, my_max = 0;
    for (std::size_t k = next++; k < total; k = next++) {
      const fs::path& p = files[k % files.size()];
      std::string err;
      std::ifstream f(p, std::ios::binary | std::ios::ate);
      auto size = f ? static_cast<std::size_t>(f.tellg()) : 0;
      bytes.resize(size);
      f.seekg(0);
      if (!f || size == 0 || !f.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size))) {
        err = "cannot read";
      } else {
        int w = 0, h = 0, sub = 0, cs = 0;
        if (tjDecompressHeader3(tj, bytes.data(), size, &w, &h, &sub, &cs) != 0) {
          err = tjGetErrorStr2(tj);
        } else {
          const int sw = (w + scale - 1) / scale, sh = (h + scale - 1) / scale;  // TJSCALED for 1/scale
          rgb.resize(static_cast<std::size_t>(sw) * sh * 3);
          if (tjDecompress2(tj, bytes.data(), size, rgb.data(), sw, 0, sh, TJPF_RGB, 0) != 0 &&
              tjGetErrorCode(tj) == TJERR_FATAL)  // warnings (e.g. extraneous bytes) still decode
            err = tjGetErrorStr2(tj);
          my_pixels += static_cast<uint64_t>(sw) * sh;
          my_max = std::max<uint64_t>(my_max, static_cast<uint64_t>(w) * h * 3);
        }
      }
      if (!err.empty()) {
        std::lock_guard<std::mutex> lock(err_mu);
        if (first_error.empty()) first_error = "'" + p.string() + "': " + err;
        next = total;  // stop everyone
      }
    }
    pixels += my_pixels;
    uint64_t seen = max_bytes.load();
    while (my_max > seen && !max_bytes.compare_exchange_weak(seen, my_max)) {
    }
    tjDestroy(tj);
  };

  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!first_error.empty()) fail(first_error);

  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  std::printf(
      "{\"tool\": \"decode_bound\", \"root\": %s, \"images\": %zu, \"files\": %zu, \"threads\": %d, "
      "\"repeat\": %d, \"scale\": %d, \"seconds\": %.4f, \"images_per_second\": %.1f, \"megapixels_per_second\": %.1f, "
      "\"max_image_bytes\": %llu, \"peak_rss_mib\": %.1f}\n",
      json_string(root.string()).c_str(), total, files.size(), threads, repeat, scale, seconds,
      static_cast<double>(total) / seconds, static_cast<double>(pixels.load()) / 1e6 / seconds,
      static_cast<unsigned long long>(max_bytes.load()), static_cast<double>(u.ru_maxrss) / 1024.0);
  return 0;
}
