// DataLoader end to end on real files: the bug-case rows of kinds ordering/shuffle/batching and
// bad image input (tests/data/../bug-cases: BR-12, BR-14, BR-21, BR-22, BR-24, BR-25, BR-27).
#include <catch2/catch.hpp>

#include <classflow/classflow.hpp>

#include "image_writer.hpp"
#include "temp_tree.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <set>
#include <thread>

using classflow::Batch;
using classflow::DataLoader;
using classflow::LoaderOptions;
using classflow::test::TempDir;
namespace t = classflow::test;

namespace {

std::shared_ptr<const classflow::Registry> registry() {
  static auto r = std::make_shared<const classflow::Registry>();
  return r;
}

DataLoader make_loader(const std::string& root, LoaderOptions o, classflow::ScanOptions s = {},
                       const std::string& class_mode = "sparse") {
  s.root = root;
  return DataLoader(registry(), classflow::scan_dataset(*registry(), s),
                    classflow::LabelSpec::resolve(*registry(), {class_mode, {}, {}}), std::move(o));
}

// Writes an 8x8 solid PNG, creating its folder.
void solid(const TempDir& d, const std::string& rel, uint8_t r, uint8_t g, uint8_t b) {
  d.mkdir(rel.substr(0, rel.rfind('/')));
  t::solid_rgb_png(d.path(rel), 8, 8, r, g, b);
}

std::vector<uint8_t> pixel(const Batch& b, int64_t item, int y = 0, int x = 0) {
  const int64_t h = b.images.shape[1], w = b.images.shape[2], c = b.images.shape[3];
  std::vector<uint8_t> out;
  for (int64_t k = 0; k < c; ++k) {
    int64_t at = ((item * h + y) * w + x) * c + k;
    out.push_back(b.images.dtype == classflow::sdk::DType::uint8 ? b.images.as<uint8_t>()[at]
                                                                  : static_cast<uint8_t>(b.images.as<float>()[at]));
  }
  return out;
}

LoaderOptions small(int size = 8) {
  LoaderOptions o;
  o.target_size = {size, size};
  o.dtype = classflow::ImageDType::uint8;
  o.shuffle = false;
  return o;
}

}  // namespace

TEST_CASE("BR-12: shuffled batches carry the ids, paths, pixels and labels of their files", "[loader][e2e]") {
  TempDir d;
  std::map<std::string, uint8_t> red;  // path -> the red value that identifies the file
  for (int i = 0; i < 5; ++i) {
    red["a/" + std::to_string(i) + ".png"] = static_cast<uint8_t>(10 + i * 20);
    red["b/" + std::to_string(i) + ".png"] = static_cast<uint8_t>(110 + i * 20);
  }
  for (const auto& [path, r] : red) solid(d, "root/" + path, r, 7, 9);
  LoaderOptions o = small();
  o.shuffle = true;
  o.seed = 1;
  o.batch_size = 3;
  auto loader = make_loader(d.path("root"), o);
  REQUIRE(loader.num_batches() == 4);
  const auto names = loader.filenames();
  CHECK(names.front() == "a/0.png");  // canonical order, unshuffled
  std::vector<std::vector<int64_t>> orders;
  for (int64_t e = 0; e < 2; ++e) {
    std::vector<int64_t> seen;
    auto stream = loader.stream(e);
    Batch b;
    while (stream.next(b)) {
      for (int64_t i = 0; i < b.size(); ++i) {
        const std::string& path = b.paths[static_cast<std::size_t>(i)];
        CHECK(path == names[static_cast<std::size_t>(b.sample_indices[static_cast<std::size_t>(i)])]);
        CHECK(pixel(b, i) == std::vector<uint8_t>{red[path], 7, 9});
        CHECK(b.labels.as<int32_t>()[i] == (path[0] == 'a' ? 0 : 1));
        seen.push_back(b.sample_indices[static_cast<std::size_t>(i)]);
      }
    }
    std::vector<int64_t> sorted = seen;
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted == std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    orders.push_back(seen);
  }
  // NumPy: RandomState(1).permutation(10); epoch 2 reseeds with 1 + 4 batches (as Keras).
  CHECK(orders[0] == std::vector<int64_t>{2, 9, 6, 4, 0, 3, 1, 7, 8, 5});
  CHECK(orders[1] == loader.epoch_order(1));
  CHECK(orders[1] != orders[0]);
  CHECK(make_loader(d.path("root"), o).epoch_order(1) == orders[1]);  // reproducible

  // Predictions gathered batch by batch come back in filenames() order.
  std::vector<std::string> predicted;
  for (int64_t i = 0; i < loader.num_batches(); ++i) {
    Batch b = loader.batch(i, 0);
    for (const auto& p : b.paths) predicted.push_back("pred:" + p);
  }
  auto canonical = DataLoader::to_canonical<std::string>(10, orders[0], predicted);
  for (std::size_t i = 0; i < names.size(); ++i) CHECK(canonical[i] == "pred:" + names[i]);
}

TEST_CASE("BR-14: 8 images, batch 6 -> batches [6, 2], drop_last -> [6]", "[loader][e2e]") {
  TempDir d;
  for (int i = 0; i < 8; ++i) solid(d, "root/only/" + std::to_string(i) + ".png", static_cast<uint8_t>(i), 0, 0);
  for (bool shuffle : {false, true}) {
    LoaderOptions o = small();
    o.batch_size = 6;
    o.shuffle = shuffle;
    auto loader = make_loader(d.path("root"), o);
    CHECK(loader.num_batches() == 2);
    for (int64_t e = 0; e < 3; ++e) {
      std::vector<int64_t> sizes, ids;
      auto stream = loader.stream(e);
      Batch b;
      while (stream.next(b)) {
        sizes.push_back(b.size());
        ids.insert(ids.end(), b.sample_indices.begin(), b.sample_indices.end());
      }
      CHECK(sizes == std::vector<int64_t>{6, 2});
      auto preds = DataLoader::to_canonical<int64_t>(8, ids, ids, -1);
      CHECK(preds == std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7});
    }
    o.drop_last = true;
    auto dropped = make_loader(d.path("root"), o);
    CHECK(dropped.num_batches() == 1);
    CHECK(dropped.batch(0).size() == 6);
    CHECK_THROWS_WITH(dropped.batch(1), "batch index '1' is out of range; expected 0..0");
  }
}

TEST_CASE("BR-07: the same seed gives two roots the same permutation", "[loader][e2e]") {
  TempDir d;
  for (const char* root : {"images", "masks"})
    for (const char* cls : {"zebra", "Apple", "mango"})
      for (const char* f : {"10.png", "2.png", "1.png"}) solid(d, std::string(root) + "/" + cls + "/" + f, 1, 2, 3);
  LoaderOptions o = small();
  o.shuffle = true;
  o.seed = 5;
  auto images = make_loader(d.path("images"), o);
  auto masks = make_loader(d.path("masks"), o);
  CHECK(images.filenames() == masks.filenames());
  CHECK(images.filenames()[0] == "Apple/1.png");
  CHECK(images.filenames()[1] == "Apple/10.png");
  for (int64_t e = 0; e < 3; ++e) CHECK(images.epoch_order(e) == masks.epoch_order(e));
}

TEST_CASE("BR-21: truncated and empty files: raise names the path, skip drops and counts", "[loader][e2e]") {
  TempDir d;
  std::vector<uint8_t> px(64 * 64 * 3, 128);
  d.mkdir("root/a");
  d.mkdir("root/b");
  t::write_jpeg(d.path("root/a/good.jpg"), 64, 64, 3, px.data());
  t::write_jpeg(d.path("root/b/good2.jpg"), 64, 64, 3, px.data());
  auto full = t::read_bytes(d.path("root/a/good.jpg"));
  t::write_bytes(d.path("root/a/trunc.jpg"), t::Bytes(full.begin(), full.begin() + static_cast<long>(full.size() * 6 / 10)));
  d.write_file("root/b/zero.jpg", "");
  LoaderOptions o = small();
  o.batch_size = 4;
  auto raising = make_loader(d.path("root"), o);
  CHECK_THROWS_AS(raising.batch(0), classflow::DataError);
  CHECK_THROWS_WITH(raising.batch(0), Catch::StartsWith("image file '" + d.path("root/a/trunc.jpg") +
                                                        "' cannot be decoded: ") &&
                                          Catch::Contains("truncated"));
  // The stream rethrows the worker's error on the consumer's thread.
  auto stream = raising.stream(0);
  Batch b;
  CHECK_THROWS_WITH(stream.next(b), Catch::Contains(d.path("root/a/trunc.jpg")));

  o.on_error = classflow::OnError::skip;
  auto skipping = make_loader(d.path("root"), o);
  Batch s = skipping.batch(0);
  CHECK(s.paths == std::vector<std::string>{"a/good.jpg", "b/good2.jpg"});
  CHECK(s.labels.as<int32_t>()[1] == 1);
  REQUIRE(s.skipped.size() == 2);
  CHECK(s.skipped[0].path == d.path("root/a/trunc.jpg"));
  CHECK(s.skipped[1].path == d.path("root/b/zero.jpg"));
  CHECK(s.skipped[1].reason == "image file '" + d.path("root/b/zero.jpg") + "' is empty (0 bytes); expected an image");
  CHECK(skipping.skipped_count() == 2);
  CHECK(skipping.class_index().class_names() == std::vector<std::string>{"a", "b"});

  d.write_file("root/b/notes.jpg", "these are notes, not a picture");
  classflow::ScanOptions only_b;
  only_b.classes = {"b"};
  auto text = make_loader(d.path("root"), small(), only_b);
  CHECK_THROWS_WITH(text.batch(0), Catch::Contains("notes.jpg' is not a decodable image (no loaded decoder recognises its first bytes)"));
}

TEST_CASE("BR-22: CMYK JPEGs decode to RGB like Pillow, and to 1 channel in grayscale", "[loader][e2e]") {
  TempDir d;
  d.mkdir("root/a");
  std::vector<uint8_t> white(8 * 8 * 4, 0), cyan(8 * 8 * 4, 0);
  for (std::size_t i = 0; i < cyan.size(); i += 4) cyan[i] = 255;
  t::write_jpeg_cmyk(d.path("root/a/cyan.jpg"), 8, 8, cyan.data());
  t::write_jpeg_cmyk(d.path("root/a/white.jpg"), 8, 8, white.data());
  auto loader = make_loader(d.path("root"), small());
  Batch b = loader.batch(0);
  REQUIRE(b.paths == std::vector<std::string>{"a/cyan.jpg", "a/white.jpg"});
  CHECK(b.images.shape == std::vector<int64_t>{2, 8, 8, 3});
  auto c = pixel(b, 0, 4, 4), w = pixel(b, 1, 4, 4);
  CHECK(int(c[0]) <= 3);
  CHECK(int(c[1]) >= 252);
  CHECK(int(c[2]) >= 252);
  CHECK(int(w[0]) >= 252);
  CHECK(int(w[1]) >= 252);
  CHECK(int(w[2]) >= 252);
  LoaderOptions g = small();
  g.color_mode = classflow::ColorMode::grayscale;
  CHECK(make_loader(d.path("root"), g).batch(0).images.shape == std::vector<int64_t>{2, 8, 8, 1});
}

TEST_CASE("BR-24: 16-bit grayscale is scaled, never clipped, 8-bit gray BMP loads", "[loader][e2e]") {
  TempDir d;
  d.mkdir("root/a");
  std::vector<uint16_t> g16(16, 1000), g16max(16, 65535);
  std::vector<uint8_t> g8(16, 77);
  t::write_png(d.path("root/a/g16.png"), 4, 4, 1, 16, g16.data());
  t::write_png(d.path("root/a/g16max.png"), 4, 4, 1, 16, g16max.data());
  t::write_with_opencv(d.path("root/a/g8.bmp"), 4, 4, 1, 8, g8.data());
  for (auto mode : {classflow::ColorMode::grayscale, classflow::ColorMode::rgb}) {
    LoaderOptions o = small(4);
    o.color_mode = mode;
    Batch b = make_loader(d.path("root"), o).batch(0);
    REQUIRE(b.paths == std::vector<std::string>{"a/g16.png", "a/g16max.png", "a/g8.bmp"});
    std::size_t c = mode == classflow::ColorMode::rgb ? 3 : 1;
    CHECK(pixel(b, 0) == std::vector<uint8_t>(c, 4));  // round(1000 * 255 / 65535) = 4
    CHECK(pixel(b, 1) == std::vector<uint8_t>(c, 255));
    CHECK(pixel(b, 2) == std::vector<uint8_t>(c, 77));
  }
}

TEST_CASE("BR-25: alpha is dropped like Pillow, or composited on alpha_background, or kept", "[loader][e2e]") {
  TempDir d;
  d.mkdir("root/a");
  std::vector<uint8_t> h(2 * 2 * 4), tr(2 * 2 * 4, 0);
  for (std::size_t i = 0; i < h.size(); i += 4) {
    h[i] = 255;
    h[i + 3] = 128;
  }
  t::write_png(d.path("root/a/h.png"), 2, 2, 4, 8, h.data());
  t::write_png(d.path("root/a/t.png"), 2, 2, 4, 8, tr.data());
  // A palette PNG with a tRNS chunk behaves the same: entry 0 is red at alpha 128.
  t::write_png_palette(d.path("root/a/p.png"), 2, 2, {{255, 0, 0}}, {128}, {0, 0, 0, 0});
  auto b = make_loader(d.path("root"), small(2)).batch(0);
  REQUIRE(b.paths == std::vector<std::string>{"a/h.png", "a/p.png", "a/t.png"});
  CHECK(pixel(b, 0) == std::vector<uint8_t>{255, 0, 0});
  CHECK(pixel(b, 1) == std::vector<uint8_t>{255, 0, 0});
  CHECK(pixel(b, 2) == std::vector<uint8_t>{0, 0, 0});

  LoaderOptions white = small(2);
  white.alpha_background = std::array<uint8_t, 3>{255, 255, 255};
  auto w = make_loader(d.path("root"), white).batch(0);
  CHECK(pixel(w, 0)[0] == 255);
  CHECK(std::abs(int(pixel(w, 0)[1]) - 127) <= 1);
  CHECK(std::abs(int(pixel(w, 0)[2]) - 127) <= 1);
  CHECK(std::abs(int(pixel(w, 1)[1]) - 127) <= 1);
  CHECK(pixel(w, 2) == std::vector<uint8_t>{255, 255, 255});

  LoaderOptions rgba = small(2);
  rgba.color_mode = classflow::ColorMode::rgba;
  auto a = make_loader(d.path("root"), rgba).batch(0);
  CHECK(pixel(a, 0) == std::vector<uint8_t>{255, 0, 0, 128});
  CHECK(pixel(a, 2) == std::vector<uint8_t>{0, 0, 0, 0});
}

TEST_CASE("BR-27: max_image_pixels rejects before decoding, per loader", "[loader][e2e]") {
  TempDir d;
  d.mkdir("root/a");
  std::vector<uint8_t> small_px(100 * 100 * 3, 50), big_px(200 * 200 * 3, 60);
  t::write_png(d.path("root/a/big.png"), 200, 200, 3, 8, big_px.data());
  t::write_png(d.path("root/a/small.png"), 100, 100, 3, 8, small_px.data());
  LoaderOptions o = small();
  o.max_image_pixels = 20000;
  auto loader = make_loader(d.path("root"), o);
  CHECK_THROWS_WITH(loader.batch(0),
                    "image file '" + d.path("root/a/big.png") +
                        "' has 40000 pixels (200x200), more than max_image_pixels 20000; expected a "
                        "smaller image, or raise --max-image-pixels (max_image_pixels=N in Python; 0 disables the limit) "
                        "(on_error skip or warn leaves such files out; check lists them all)");
  o.on_error = classflow::OnError::skip;
  auto skipping = make_loader(d.path("root"), o);
  auto b = skipping.batch(0);
  CHECK(b.paths == std::vector<std::string>{"a/small.png"});
  REQUIRE(b.skipped.size() == 1);
  CHECK(b.skipped[0].path == d.path("root/a/big.png"));
  o.max_image_pixels = 0;
  o.on_error = classflow::OnError::raise;
  CHECK(make_loader(d.path("root"), o).batch(0).size() == 2);
  CHECK(classflow::LoaderOptions{}.max_image_pixels == 178956970);
}

TEST_CASE("EXIF orientation is applied, dtype, rescale and channels_first shape the tensor", "[loader][e2e]") {
  TempDir d;
  d.mkdir("root/a");
  // 4 wide x 2 high: left half black, right half white. Orientation 6 = rotate 90 clockwise.
  std::vector<uint8_t> px(4 * 2 * 3, 0);
  for (int y = 0; y < 2; ++y)
    for (int x = 2; x < 4; ++x)
      for (int k = 0; k < 3; ++k) px[static_cast<std::size_t>((y * 4 + x) * 3 + k)] = 255;
  t::write_bytes(d.path("root/a/o.jpg"), t::add_exif_orientation(t::encode_jpeg(4, 2, 3, px.data(), 100), 6));
  LoaderOptions o = small();
  o.target_size = {4, 2};  // upright it is 2 wide x 4 high
  auto up = make_loader(d.path("root"), o).batch(0);
  CHECK(pixel(up, 0, 0, 0)[0] < 40);   // top: was the left (black) half
  CHECK(pixel(up, 0, 3, 0)[0] > 215);  // bottom: was the right (white) half
  o.apply_orientation = false;
  o.target_size = {2, 4};
  auto raw = make_loader(d.path("root"), o).batch(0);
  CHECK(pixel(raw, 0, 0, 0)[0] < 40);
  CHECK(pixel(raw, 0, 0, 3)[0] > 215);

  o.apply_orientation = true;
  o.target_size = {4, 2};
  o.dtype = classflow::ImageDType::float32;
  o.rescale = 1.0f / 255.0f;
  o.data_format = classflow::DataFormat::channels_first;
  auto f = make_loader(d.path("root"), o).batch(0);
  CHECK(f.images.shape == std::vector<int64_t>{1, 3, 4, 2});
  CHECK(f.images.dtype == classflow::sdk::DType::float32);
  CHECK(f.images.as<float>()[0] < 0.16f);        // channel 0, y 0, x 0
  CHECK(f.images.as<float>()[3 * 2 + 1] > 0.84f);  // channel 0, y 3, x 1
}

TEST_CASE("two shuffled epochs on worker threads: every sample once, with its file's label", "[loader][e2e][tsan]") {
  TempDir d;
  const std::vector<std::string> classes{"c0", "c1", "c2"};
  for (int i = 0; i < 45; ++i)
    solid(d, "root/" + classes[static_cast<std::size_t>(i % 3)] + "/" + std::to_string(i) + ".png",
          static_cast<uint8_t>(i * 5), 0, 0);
  LoaderOptions o = small();
  o.shuffle = true;
  o.seed = 7;
  o.batch_size = 4;
  o.num_workers = 3;
  o.prefetch = 2;
  auto loader = make_loader(d.path("root"), o, {}, "categorical");
  const auto classes_of = loader.classes();
  for (int64_t e = 0; e < 2; ++e) {
    std::vector<int> count(45, 0);
    auto stream = loader.stream(e);
    Batch b;
    while (stream.next(b)) {
      for (int64_t i = 0; i < b.size(); ++i) {
        auto s = b.sample_indices[static_cast<std::size_t>(i)];
        ++count[static_cast<std::size_t>(s)];
        const float* row = b.labels.as<float>() + i * 3;
        int32_t c = classes_of[static_cast<std::size_t>(s)];
        CHECK(row[c] == 1.0f);
        CHECK(row[0] + row[1] + row[2] == 1.0f);
        // The folder in the path names the class: the label belongs to this very file.
        CHECK(b.paths[static_cast<std::size_t>(i)].substr(0, 2) == classes[static_cast<std::size_t>(c)]);
      }
    }
    CHECK(count == std::vector<int>(45, 1));
  }
  // A stream abandoned mid-epoch stops its workers cleanly.
  auto partial = loader.stream(3);
  Batch first;
  CHECK(partial.next(first));
}

TEST_CASE("image-level workers: any worker count gives batch()'s bytes, skips in order, the first failing position's error",
          "[loader][e2e][tsan]") {
  TempDir d;
  std::vector<uint8_t> px(40 * 30 * 3);
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<uint8_t>(i * 7 % 251);
  d.mkdir("root/a");
  d.mkdir("root/b");
  for (int i = 0; i < 23; ++i) t::write_jpeg(d.path("root/" + std::string(i % 2 ? "a" : "b") + "/" + std::to_string(i) + ".jpg"), 40, 30, 3, px.data());
  d.write_file("root/a/bad1.jpg", "");
  d.write_file("root/b/bad2.jpg", "");
  LoaderOptions o = small(16);
  o.dtype = classflow::ImageDType::float32;  // the resize writes the batch itself
  o.interpolation = classflow::Interpolation::bilinear;
  o.batch_size = 5;
  o.shuffle = true;
  o.seed = 3;
  o.on_error = classflow::OnError::skip;
  for (const std::string cache : {"", "memory"}) {
    o.cache = cache;
    auto reference = make_loader(d.path("root"), o);
    std::vector<Batch> want;
    for (int64_t i = 0; i < reference.num_batches(); ++i) want.push_back(reference.batch(i, 1));
    for (int workers : {1, 3}) {
      o.num_workers = workers;
      o.prefetch = workers == 1 ? 1 : 3;
      auto loader = make_loader(d.path("root"), o);
      for (int64_t epoch : {1, 1}) {  // the second pass reads the memory cache
        auto stream = loader.stream(epoch);
        Batch b;
        std::size_t k = 0;
        while (stream.next(b)) {
          REQUIRE(k < want.size());
          CHECK(b.images.data == want[k].images.data);
          CHECK(b.sample_indices == want[k].sample_indices);
          REQUIRE(b.skipped.size() == want[k].skipped.size());
          for (std::size_t j = 0; j < b.skipped.size(); ++j) CHECK(b.skipped[j].path == want[k].skipped[j].path);
          ++k;
        }
        CHECK(k == want.size());
      }
    }
  }
  // raise: the error of the first failing position in the batch, whatever the worker count.
  o.on_error = classflow::OnError::raise;
  o.cache = "";
  o.shuffle = false;
  o.batch_size = 32;
  o.num_workers = 3;
  auto raising = make_loader(d.path("root"), o);
  auto stream = raising.stream(0);
  Batch b;
  CHECK_THROWS_WITH(stream.next(b), Catch::Contains(d.path("root/a/bad1.jpg")));
}

TEST_CASE("reserved batch memory: a loader takes the buffers faulted in ahead, its batches keep batch()'s bytes",
          "[loader][e2e][tsan]") {
  using classflow::detail::reserved_tensor_regions;
  TempDir d;
  std::vector<uint8_t> px(40 * 30 * 3);
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<uint8_t>(i * 13 % 253);
  d.mkdir("root/a");
  d.mkdir("root/b");
  for (int i = 0; i < 13; ++i)
    t::write_jpeg(d.path("root/" + std::string(i % 2 ? "a" : "b") + "/" + std::to_string(i) + ".jpg"), 40, 30, 3,
                  px.data());
  LoaderOptions o = small(128);
  o.dtype = classflow::ImageDType::float32;  // 128x128x3 float32: 196,608 bytes an image
  o.interpolation = classflow::Interpolation::bilinear;
  o.batch_size = 12;  // 2.25 MiB a batch: reserved (from 2 MiB)
  o.num_workers = 2;
  o.prefetch = 2;
  const std::size_t bytes = std::size_t{12} * 128 * 128 * 3 * 4;
  DataLoader::reserve_batches(o);
  CHECK(reserved_tensor_regions(bytes) == 2);  // prefetch 2: two buffers, ready or being faulted in
  DataLoader::reserve_batches(o);
  CHECK(reserved_tensor_regions(bytes) == 2);  // the same shape again: nothing more
  auto loader = make_loader(d.path("root"), o);
  CHECK(reserved_tensor_regions(bytes) == 2);  // the constructor asks for the same: nothing more
  std::vector<Batch> got;
  {
    auto stream = loader.stream(0);
    Batch b;
    while (stream.next(b)) got.push_back(std::move(b));  // kept: no buffer goes back to the pool
  }
  CHECK(reserved_tensor_regions(bytes) == 1);  // batch 0 took one; batch 1 (1 image) is smaller: fresh
  REQUIRE(got.size() == 2);
  CHECK(got[1].size() == 1);
  for (std::size_t i = 0; i < got.size(); ++i) {
    Batch want = loader.batch(static_cast<int64_t>(i), 0);
    CHECK(got[i].images.data == want.images.data);
    CHECK(got[i].sample_indices == want.sample_indices);
  }
  // Another shape frees the unused buffers of the last; small batches are not reserved.
  DataLoader::reserve_batches(o);
  CHECK(reserved_tensor_regions(bytes) == 2);
  o.batch_size = 16;
  DataLoader::reserve_batches(o);
  CHECK(reserved_tensor_regions(bytes) == 0);
  CHECK(reserved_tensor_regions(std::size_t{16} * 128 * 128 * 3 * 4) == 2);
  o.batch_size = 2;  // 384 KiB
  DataLoader::reserve_batches(o);
  CHECK(reserved_tensor_regions(std::size_t{2} * 128 * 128 * 3 * 4) == 0);
  o.batch_size = 0;
  CHECK_THROWS_WITH(DataLoader::reserve_batches(o), Catch::Contains("batch_size '0' is out of range"));
}

TEST_CASE("batch buffers: a consumer that hands each batch back reuses at most prefetch + 1 buffers, one that keeps "
          "them gets a buffer a batch",
          "[loader][e2e][tsan]") {
  TempDir d;
  for (int i = 0; i < 60; ++i)
    solid(d, std::string(i % 2 ? "root/a/" : "root/b/") + std::to_string(i) + ".png", static_cast<uint8_t>(i), 7, 9);
  LoaderOptions o = small();
  o.batch_size = 2;  // 30 batches of tiny images an epoch
  o.num_workers = 2;
  o.prefetch = 2;
  {
    auto loader = make_loader(d.path("root"), o);
    Batch b;
    std::vector<std::vector<int64_t>> seen;
    for (int64_t e = 0; e < 3; ++e) {
      auto stream = loader.stream(e);
      while (stream.next(b)) seen.push_back(b.sample_indices);
      CHECK(seen.size() == static_cast<std::size_t>(30 * (e + 1)));
    }
    // b's buffer goes back at each next(), also across epochs: the 2 batches in flight and, when
    // the consumer thread is woken late, the one it still holds.
    const int64_t buffers = loader.profile().batch_buffers;
    CHECK(buffers >= 1);
    CHECK(buffers <= 3);
    // batch() takes a pooled buffer; one handed back serves the next call.
    loader.recycle(std::move(b));
    for (std::size_t i = 0; i < seen.size(); i += 11) {
      Batch one = loader.batch(static_cast<int64_t>(i % 30), static_cast<int64_t>(i / 30));
      CHECK(seen[i] == one.sample_indices);
      loader.recycle(std::move(one));
    }
    CHECK(loader.profile().batch_buffers == buffers);
  }
  auto loader = make_loader(d.path("root"), o);
  std::vector<Batch> got;
  {
    auto stream = loader.stream(0);
    Batch b;
    while (stream.next(b)) got.push_back(std::move(b));  // kept: nothing comes back to the pool
  }
  REQUIRE(got.size() == 30);
  CHECK(loader.profile().batch_buffers == 30);
  for (std::size_t i = 0; i < got.size(); i += 7) {
    const Batch want = loader.batch(static_cast<int64_t>(i), 0);
    CHECK(got[i].images.data == want.images.data);
    CHECK(got[i].sample_indices == want.sample_indices);
  }
}

TEST_CASE("batch buffers: a stream left early hands the batches it made ahead back to the pool", "[loader][e2e][tsan]") {
  TempDir d;
  for (int i = 0; i < 40; ++i)
    solid(d, std::string(i % 2 ? "root/a/" : "root/b/") + std::to_string(i) + ".png", static_cast<uint8_t>(i), 7, 9);
  LoaderOptions o = small();
  o.batch_size = 4;  // 10 full batches an epoch: every buffer fits every batch
  o.num_workers = 2;
  o.prefetch = 2;
  auto loader = make_loader(d.path("root"), o);
  int64_t made = 0;
  {
    auto stream = loader.stream(0);
    Batch b;
    REQUIRE(stream.next(b));
    // While b is held the workers make the 2 batches ahead in 2 more buffers (tiny images: far
    // less than this wait).
    for (int i = 0; i < 400 && loader.profile().images < 12; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    made = loader.profile().batch_buffers;
    REQUIRE(made == 3);
    loader.recycle(std::move(b));
  }  // left after 1 of 10 batches
  for (int64_t e = 1; e < 3; ++e) {
    auto stream = loader.stream(e);
    Batch b;
    int64_t n = 0;
    while (stream.next(b)) ++n;
    CHECK(n == 10);
    loader.recycle(std::move(b));
  }
  // Before, the 2 batches made ahead were freed with the stream and the next one allocated anew.
  CHECK(loader.profile().batch_buffers == made);
}

TEST_CASE("batch buffers: a prefetch above 2 keeps its buffers over epochs", "[loader][e2e]") {
  TempDir d;
  for (int i = 0; i < 40; ++i)
    solid(d, std::string(i % 2 ? "root/a/" : "root/b/") + std::to_string(i) + ".png", static_cast<uint8_t>(i), 7, 9);
  LoaderOptions o = small();
  o.batch_size = 4;  // 10 full batches an epoch
  o.num_workers = 2;
  o.prefetch = 6;
  auto loader = make_loader(d.path("root"), o);
  Batch b;
  for (int64_t e = 0; e < 5; ++e) {
    auto stream = loader.stream(e);
    while (stream.next(b)) {
    }
  }
  // 6 in flight and the one the consumer holds; the pool kept 4 before, so every epoch
  // allocated the rest anew (26 over these 5 epochs in one run).
  CHECK(loader.profile().batch_buffers <= 7);
}

TEST_CASE("reserved batch memory: while a stream makes its first batch the filling pauses, yet a thread that needs a "
          "buffer gets one at once",
          "[loader][e2e][tsan]") {
  using namespace classflow::detail;
  const std::size_t bytes = std::size_t{5} << 20;  // 3 huge-page chunks
  const int before = reserve_pauses_run_out();
  std::vector<void*> got;
  {
    ReserveHold hold;  // as a stream holds it until its first batch
    reserve_tensor_bytes(bytes, 3);
    CHECK(reserved_tensor_regions(bytes) == 3);
    for (int i = 0; i < 3; ++i) {
      void* p = allocate_tensor_bytes(bytes);  // the filler resumes for the waiter: no pause runs out
      REQUIRE(p != nullptr);
      static_cast<unsigned char*>(p)[bytes - 1] = static_cast<unsigned char>(i);
      got.push_back(p);
    }
    CHECK(reserved_tensor_regions(bytes) == 0);
  }
  CHECK(reserve_pauses_run_out() == before);
  CHECK(got[0] != got[1]);
  CHECK(got[1] != got[2]);
  for (void* p : got) free_tensor_bytes(p, bytes);
}

TEST_CASE("loader threads: warm_up starts them, later streams reuse them, streams at once each get their own",
          "[loader][e2e][tsan]") {
  TempDir d;
  for (int i = 0; i < 12; ++i)
    solid(d, std::string("root/") + (i % 2 ? "a/" : "b/") + std::to_string(i) + ".png", static_cast<uint8_t>(i * 20),
          0, 0);
  LoaderOptions o = small();
  o.batch_size = 1;  // 12 batches: a stream runs every worker asked for
  o.prefetch = 1;
  o.num_workers = DataLoader::loader_threads() + 2;  // more than this process has started so far
  const int want = static_cast<int>(o.num_workers);
  classflow::ScanOptions scan;
  scan.root = d.path("root");
  { const auto warm = DataLoader::warm_up(registry(), o, scan); }  // its destructor waits for the threads
  CHECK(DataLoader::loader_threads() == want);
  { const auto warm = DataLoader::warm_up(registry(), o, scan); }
  CHECK(DataLoader::loader_threads() == want);  // enough threads already: none started
  auto loader = make_loader(d.path("root"), o);
  for (int64_t e = 0; e < 2; ++e) {
    auto stream = loader.stream(e);
    Batch b;
    int64_t n = 0;
    while (stream.next(b)) {
      CHECK(b.images.data == loader.batch(b.index, e).images.data);
      ++n;
    }
    CHECK(n == 12);
  }
  CHECK(DataLoader::loader_threads() == want);  // both epochs' workers ran on the warmed threads
  // Two streams at once: the first's workers wait for its consumer (prefetch 1), so the second
  // starts threads of its own rather than queueing behind them; both deliver every batch.
  {
    auto first = loader.stream(0);
    auto second = loader.stream(1);
    Batch b1, b2;
    int64_t n1 = 0, n2 = 0;
    for (bool more = true; more;) {
      const bool got1 = first.next(b1), got2 = second.next(b2);
      n1 += got1;
      n2 += got2;
      more = got1 || got2;
    }
    CHECK(n1 == 12);
    CHECK(n2 == 12);
  }
  CHECK(DataLoader::loader_threads() == 2 * want);
  // Nothing to load, or no folder at all: the warm-up warms nothing and throws nothing.
  o.num_workers = 2 * want + 1;
  scan.root = d.path("missing");
  { const auto warm = DataLoader::warm_up(registry(), o, scan); }
  CHECK(DataLoader::loader_threads() == 2 * want + 1);
  o.num_workers = 0;
  CHECK_THROWS_WITH(DataLoader::warm_up(registry(), o, scan), Catch::Contains("num_workers '0' is out of range"));
}

TEST_CASE("nearest matches Pillow's NEAREST when upscaling (8 -> 12 picks 0 1 1 2 2 3 4 5 5 6 7 7)", "[loader][e2e]") {
  TempDir d;
  d.mkdir("root/a");
  std::vector<uint8_t> px(8 * 3);
  for (int x = 0; x < 8; ++x) px[static_cast<std::size_t>(x * 3)] = static_cast<uint8_t>(x * 10);
  t::write_png(d.path("root/a/row.png"), 8, 1, 3, 8, px.data());
  LoaderOptions o = small();
  o.target_size = {1, 12};
  auto b = make_loader(d.path("root"), o).batch(0);
  std::vector<int> picked;
  for (int x = 0; x < 12; ++x) picked.push_back(pixel(b, 0, 0, x)[0] / 10);
  // Pillow 9.4: Image.resize((12, 1), NEAREST) of an 8-pixel row.
  CHECK(picked == std::vector<int>{0, 1, 1, 2, 2, 3, 4, 5, 5, 6, 7, 7});
  o.max_image_pixels = -1;
  CHECK_THROWS_WITH(make_loader(d.path("root"), o),
                    "max_image_pixels '-1' is out of range; expected >= 0 (0 disables the limit)");
}

TEST_CASE("antialiased resize keeps a flat colour flat across strips, ragged ends and very wide rows", "[loader][e2e]") {
  // The horizontal pass runs in strips of rows over transposed bytes (the last strip overlapping,
  // 16-row strips for very wide rows): every output sample of a flat image is that colour for
  // each filter, in uint8 and in the float32 store fused into the last pass. Under ASan this
  // also walks every edge of those loops.
  struct Case {
    int width, height, target_h, target_w;
  };
  const Case cases[] = {{12000, 40, 7, 300}, {131, 300, 100, 70}, {101, 145, 144, 99}, {640, 430, 100, 149}};
  for (const auto& c : cases) {
    TempDir d;
    d.mkdir("root/a");
    std::vector<uint8_t> px(static_cast<std::size_t>(c.width) * c.height * 3);
    for (std::size_t i = 0; i < px.size(); i += 3) {
      px[i] = 77;
      px[i + 1] = 140;
      px[i + 2] = 200;
    }
    t::write_png(d.path("root/a/flat.png"), c.width, c.height, 3, 8, px.data());
    for (auto interpolation : {classflow::Interpolation::bilinear, classflow::Interpolation::bicubic,
                               classflow::Interpolation::lanczos, classflow::Interpolation::box,
                               classflow::Interpolation::hamming}) {
      for (auto dtype : {classflow::ImageDType::uint8, classflow::ImageDType::float32}) {
        LoaderOptions o = small();
        o.target_size = {c.target_h, c.target_w};
        o.interpolation = interpolation;
        o.dtype = dtype;
        auto b = make_loader(d.path("root"), o).batch(0);
        int wrong = 0;
        for (int y = 0; y < c.target_h; ++y)
          for (int x = 0; x < c.target_w; ++x)
            wrong += pixel(b, 0, y, x) != std::vector<uint8_t>{77, 140, 200};
        INFO(c.width << "x" << c.height << " -> " << c.target_w << "x" << c.target_h << " filter "
                     << static_cast<int>(interpolation) << " dtype " << static_cast<int>(dtype));
        CHECK(wrong == 0);
      }
    }
  }
}
