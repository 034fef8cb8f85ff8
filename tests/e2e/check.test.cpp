// `classflow check` / check_datasets and `classflow report` on trees with planted faults.
#include <catch2/catch.hpp>

#include <classflow/classflow.hpp>

#include "image_writer.hpp"
#include "run_command.hpp"
#include "temp_tree.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <cstddef>
#include <filesystem>

using classflow::test::Bytes;
using classflow::test::run_cli;
using classflow::test::TempDir;
using nlohmann::json;

namespace {

const std::string kDigits = std::string(CLASSFLOW_SOURCE_DIR) + "/examples/data/digits";

// Noise pixels [h, w, c] from `seed`: every image differs from every other.
std::vector<uint8_t> noise(int w, int h, int c, uint32_t seed) {
  std::vector<uint8_t> p(static_cast<std::size_t>(w * h * c));
  uint32_t x = seed * 2654435761u + 1;
  for (auto& v : p) {
    x = x * 1664525u + 1013904223u;
    v = static_cast<uint8_t>(x >> 24);
  }
  return p;
}

// A smooth picture (gradients) from `seed`: survives JPEG re-encoding with a near pHash.
std::vector<uint8_t> smooth(int w, int h, uint32_t seed) {
  std::vector<uint8_t> p(static_cast<std::size_t>(w * h * 3));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        p[static_cast<std::size_t>((y * w + x) * 3 + c)] =
            static_cast<uint8_t>((x * (seed + c + 1) * 7 + y * (seed * 3 + 5) + (x * y) % (seed + 3)) % 256);
  return p;
}

void jpeg(const TempDir& d, const std::string& rel, uint32_t seed, int w = 40, int h = 30) {
  d.mkdir(rel.substr(0, rel.rfind('/')));
  const auto p = noise(w, h, 3, seed);
  classflow::test::write_jpeg(d.path(rel), w, h, 3, p.data());
}

void copy(const TempDir& d, const std::string& from, const std::string& to) {
  classflow::test::write_bytes(d.path(to), classflow::test::read_bytes(d.path(from)));
}

// train/{cat,dog} and test/{cat,dog}, with a leak, a conflict, a truncated JPEG, a PNG named .jpg,
// and one image of each colour model.
void planted_tree(const TempDir& d) {
  for (const char* root : {"train", "test"})
    for (const char* cls : {"cat", "dog"}) {
      d.mkdir(std::string(root) + "/" + cls);
      for (int i = 0; i < 3; ++i)
        jpeg(d, fmt::format("{}/{}/{}{}.jpg", root, cls, cls, i),
             static_cast<uint32_t>(std::hash<std::string>{}(std::string(root) + cls) % 1000 + i));
    }
  copy(d, "train/cat/cat0.jpg", "test/dog/leaked.jpg");         // a leak, labelled differently
  copy(d, "train/cat/cat1.jpg", "train/dog/also_cat1.jpg");     // a conflict
  copy(d, "train/dog/dog0.jpg", "train/dog/dog0_copy.jpg");     // a duplicate in one class
  Bytes full = classflow::test::read_bytes(d.path("train/dog/dog1.jpg"));
  full.resize(full.size() / 2);
  classflow::test::write_bytes(d.path("train/dog/truncated.jpg"), full);  // corrupt
  const auto rgb = noise(20, 10, 3, 77);
  classflow::test::write_png(d.path("train/cat/really_png.jpg"), 20, 10, 3, 8, rgb.data());  // a PNG named .jpg
  const auto gray = noise(20, 10, 1, 78);
  classflow::test::write_png(d.path("train/cat/gray.png"), 20, 10, 1, 8, gray.data());
  const auto rgba = noise(20, 10, 4, 79);
  classflow::test::write_png(d.path("train/cat/rgba.png"), 20, 10, 4, 8, rgba.data());
  std::vector<uint16_t> deep(20 * 10 * 3);
  for (std::size_t i = 0; i < deep.size(); ++i) deep[i] = static_cast<uint16_t>(i * 331);
  classflow::test::write_png(d.path("train/cat/deep.png"), 20, 10, 3, 16, deep.data());
  classflow::test::write_bytes(d.path("train/cat/palette.png"),
                               classflow::test::encode_png_palette(4, 4, {{1, 2, 3}, {200, 100, 0}}, {},
                                                                   std::vector<uint8_t>(16, 1)));
}

std::string slurp(const std::string& path) {
  const Bytes b = classflow::test::read_bytes(path);
  return std::string(b.begin(), b.end());
}

std::vector<std::string> paths_of(const json& files) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f["root"].get<std::string>() + "/" + f["path"].get<std::string>());
  return out;
}

}  // namespace

TEST_CASE("check finds a leak, a conflict, a duplicate, a truncated JPEG and a PNG named .jpg", "[check][e2e]") {
  TempDir d;
  planted_tree(d);
  const std::string train = d.path("train"), test = d.path("test");
  auto r = run_cli({"check", train, test, "--format", "json"});
  REQUIRE(r.exit_code == 3);
  const json j = json::parse(r.out);
  CHECK(j["exit_code"] == 3);
  CHECK(j["clean"] == false);
  CHECK(j["files"] == 21);  // 12 + leaked + also_cat1 + dog0_copy + truncated + 5 PNGs
  REQUIRE(j["corrupt"].size() == 1);
  CHECK(paths_of(j["corrupt"]) == std::vector<std::string>{train + "/dog/truncated.jpg"});
  CHECK(j["corrupt"][0]["classes"] == json::array({"dog"}));
  CHECK(j["corrupt"][0]["reason"].get<std::string>() ==
        "image file '" + train + "/dog/truncated.jpg' cannot be decoded: truncated or corrupt JPEG data: Premature "
                                 "end of JPEG file");
  REQUIRE(j["duplicates"].size() == 3);
  // Ordered by first file in dataset order: cat0 (leak), cat1 (conflict), dog0 (duplicate).
  CHECK(j["duplicates"][0]["kind"] == "leak");
  CHECK(j["duplicates"][0]["label_conflict"] == true);
  CHECK(paths_of(j["duplicates"][0]["files"]) ==
        std::vector<std::string>{train + "/cat/cat0.jpg", test + "/dog/leaked.jpg"});
  CHECK(j["duplicates"][1]["kind"] == "conflict");
  CHECK(paths_of(j["duplicates"][1]["files"]) ==
        std::vector<std::string>{train + "/cat/cat1.jpg", train + "/dog/also_cat1.jpg"});
  CHECK(j["duplicates"][1]["files"][1]["classes"] == json::array({"dog"}));
  CHECK(j["duplicates"][2]["kind"] == "duplicate");
  CHECK(j["duplicates"][2]["label_conflict"] == false);
  CHECK(paths_of(j["duplicates"][2]["files"]) ==
        std::vector<std::string>{train + "/dog/dog0.jpg", train + "/dog/dog0_copy.jpg"});
  CHECK(j["duplicates"][0]["hash"].get<std::string>().size() == 32);
  REQUIRE(j["extension_mismatch"].size() == 1);
  CHECK(j["extension_mismatch"][0]["path"] == "cat/really_png.jpg");
  CHECK(j["extension_mismatch"][0]["extension"] == ".jpg");
  CHECK(j["extension_mismatch"][0]["content"] == "png");
  CHECK(j["counts"] == json::parse(R"({"corrupt":1,"duplicate":1,"conflict":1,"leak":1,"extension_mismatch":1,
                                       "small":0,"near_duplicates":0})"));
  // Colour models per class, from the headers (train/cat: 3 JPEG, PNG-as-jpg, gray, rgba, 16-bit, palette).
  CHECK(j["roots"][0]["classes"]["cat"] ==
        json::parse(R"({"images":8,"gray":1,"rgb":6,"palette":1,"cmyk":0,"alpha":1,"high_bit_depth":1,"unknown":0,"unreadable":0})"));
  CHECK(j["roots"][0]["classes"]["dog"]["images"] == 6);
  CHECK(j["roots"][1]["classes"]["dog"]["images"] == 4);

  // The text form lists the same paths and says why it exits 3.
  auto t = run_cli({"check", train, test});
  CHECK(t.exit_code == 3);
  CHECK_THAT(t.out, Catch::Contains("    " + train + "/cat/cat0.jpg [cat]\n    " + test + "/dog/leaked.jpg [dog]\n"));
  CHECK_THAT(t.out, Catch::Contains(train + "/cat/really_png.jpg [cat]: named .jpg but its bytes are a format of decoder 'png'"));
  CHECK_THAT(t.out, Catch::Contains("result: 1 corrupt, 1 conflict, 1 leak (exit 3)"));

  // --no-decode: hashes and headers only; the truncated JPEG's header is whole, so it passes.
  auto nd = run_cli({"check", train, test, "--format", "json", "--no-decode"});
  CHECK(nd.exit_code == 3);
  const json n = json::parse(nd.out);
  CHECK(n["decoded"] == false);
  CHECK(n["corrupt"].empty());
  CHECK(n["counts"]["leak"] == 1);
  CHECK(n["counts"]["conflict"] == 1);
}

TEST_CASE("check on the bundled digits exits 0 with no duplicates", "[check][e2e]") {
  auto r = run_cli({"check", kDigits, "--format", "json", "--target-size", "16x16"});
  REQUIRE(r.exit_code == 0);
  const json j = json::parse(r.out);
  CHECK(j["files"] == 1797);
  CHECK(j["duplicates"].empty());
  CHECK(j["corrupt"].empty());
  CHECK(j["small"].empty());  // 8x8 is exactly half of 16x16: not "below half"
  CHECK(j["roots"][0]["classes"]["3"] ==
        json::parse(R"({"images":183,"gray":183,"rgb":0,"palette":0,"cmyk":0,"alpha":0,"high_bit_depth":0,"unknown":0,"unreadable":0})"));
  auto s = run_cli({"check", kDigits, "--format", "json", "--target-size", "17x16"});
  CHECK(json::parse(s.out)["counts"]["small"] == 1797);
  CHECK(s.exit_code == 0);  // small images are reported, they do not block training
}

TEST_CASE("check results do not depend on the number of workers", "[check][e2e]") {
  TempDir d;
  planted_tree(d);
  classflow::Registry reg;
  std::vector<classflow::Dataset> sets;
  for (const char* root : {"train", "test"}) {
    classflow::ScanOptions so;
    so.root = d.path(root);
    sets.push_back(classflow::scan_dataset(reg, so));
  }
  auto text = [&](int workers) {
    classflow::CheckOptions o;
    o.num_workers = workers;
    o.near_duplicates = true;
    json j = json::parse(classflow::check_result_json(classflow::check_datasets(reg, sets, o), sets));
    j.erase("seconds");
    return j.dump();
  };
  const std::string one = text(1);
  CHECK(text(4) == one);
  CHECK(text(3) == one);
}

TEST_CASE("near-duplicates: a re-encoded JPEG is near, other pictures are not", "[check][e2e]") {
  TempDir d;
  const auto a = smooth(64, 48, 3), b = smooth(64, 48, 11);
  d.mkdir("x/one");
  classflow::test::write_jpeg(d.path("x/one/a.jpg"), 64, 48, 3, a.data(), 95);
  classflow::test::write_jpeg(d.path("x/one/a_q60.jpg"), 64, 48, 3, a.data(), 60);
  classflow::test::write_jpeg(d.path("x/one/b.jpg"), 64, 48, 3, b.data(), 95);
  auto r = run_cli({"check", d.path("x"), "--near-duplicates", "--format", "json"});
  REQUIRE(r.exit_code == 0);
  const json j = json::parse(r.out);
  REQUIRE(j["near_duplicates"].size() == 1);
  CHECK(j["near_duplicates"][0]["a"]["path"] == "one/a.jpg");
  CHECK(j["near_duplicates"][0]["b"]["path"] == "one/a_q60.jpg");
  CHECK(j["near_duplicates"][0]["distance"].get<int>() <= 6);
  auto bad = run_cli({"check", d.path("x"), "--near-duplicates", "--no-decode"});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("near-duplicates need the decoded images"));
  CHECK(run_cli({"check", d.path("x"), "--near-duplicates", "--near-threshold", "65"}).exit_code == 2);
}

TEST_CASE("a 1.2 decoder leaves the new image-info fields alone for a 1.1 host", "[check][abi]") {
  classflow::Registry reg;
  const auto p = noise(8, 8, 3, 1);
  const Bytes bytes = classflow::test::encode_jpeg(8, 8, 3, p.data());
  const classflow::DecoderEntry* dec = reg.decoder_for(bytes.data(), bytes.size());
  REQUIRE(dec != nullptr);
  cf_decode_request req{};
  req.struct_size = sizeof req;
  cf_image_info info{};
  info.source_color = info.source_alpha = info.source_bits = 12345;
  info.struct_size = offsetof(cf_image_info, source_color);  // what a 1.1 host passes
  cf_status status{};
  status.struct_size = sizeof status;
  REQUIRE(dec->vtable->plan(bytes.data(), bytes.size(), &req, &info, &status) == CF_OK);
  CHECK(info.width == 8);
  CHECK(info.source_color == 12345);
  CHECK(info.source_bits == 12345);
  info.struct_size = sizeof info;  // a 1.2 host
  REQUIRE(dec->vtable->plan(bytes.data(), bytes.size(), &req, &info, &status) == CF_OK);
  CHECK(info.source_color == CF_COLOR_RGB);
  CHECK(info.source_alpha == 0);
  CHECK(info.source_bits == 8);
}

TEST_CASE("report: one self-contained page with mapping, labels, counts, thumbnails and findings", "[report][e2e]") {
  TempDir d;
  planted_tree(d);
  const std::string out = d.path("report.html");
  auto r = run_cli({"report", d.path("train"), d.path("test"), "-o", out, "--class-mode", "binary", "--thumbnails",
                    "2"});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("wrote " + out + " (21 images, 2 roots; check: 1 corrupt, 1 conflict, 1 leak, 1 duplicate)"));
  const std::string html = slurp(out);
  CHECK_THAT(html, Catch::StartsWith("<!doctype html>"));
  CHECK_THAT(html, Catch::Contains("default-src 'none'; img-src data:"));
  CHECK_THAT(html, Catch::Contains("<b>binary:</b> label 1 = class <b>dog</b> (index 1); label 0 = class <b>cat</b>"));
  // Mapping rows: index, class, encoded label, images per root, class_weight (21/... on train).
  CHECK_THAT(html, Catch::Contains("<tr><td class=\"n\">0</td><td>cat</td><td><code class=\"label\">0</code></td><td class=\"n\">8</td>"
                                   "<td class=\"n\">3</td><td class=\"n\">0.8750</td></tr>"));
  CHECK_THAT(html, Catch::Contains("<tr><td class=\"n\">1</td><td>dog</td><td><code class=\"label\">1</code></td><td class=\"n\">6</td>"
                                   "<td class=\"n\">4</td><td class=\"n\">1.1667</td></tr>"));
  CHECK_THAT(html, Catch::Contains("imbalance ratio (largest / smallest class): <b>1.33</b>"));
  // 2 thumbnails per class and root, spread over the class (samples 0 and n/2): 8 in all.
  std::size_t images = 0;
  for (auto pos = html.find("src=\"data:image/jpeg;base64,"); pos != std::string::npos;
       pos = html.find("src=\"data:image/jpeg;base64,", pos + 1))
    ++images;
  CHECK(images + (html.find("cannot be decoded<br>") != std::string::npos ? 1 : 0) == 8);
  CHECK_THAT(html, Catch::Contains("<h3>Leaks (the same file in several roots): 1</h3>"));
  CHECK_THAT(html, Catch::Contains("/dog/truncated.jpg</code>"));
  // Nothing to fetch: no script, no external reference (the SVG namespace is a name, not a fetch).
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("src=\"http") == std::string::npos);
  CHECK(html.find("href=\"http") == std::string::npos);
  CHECK(html.find("url(") == std::string::npos);
  CHECK(!std::filesystem::exists(out + ".tmp"));
}

TEST_CASE("check: the same root twice is a usage error, not a leak of every file", "[check][e2e]") {
  TempDir d;
  planted_tree(d);
  auto r = run_cli({"check", d.path("test"), d.path("test") + "/."});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("root '" + d.path("test") + "/.' is given twice (also as '" + d.path("test") + "')"));
}

TEST_CASE("check: a FIFO named like an image is corrupt, a dangling README is not an image", "[check][e2e]") {
  TempDir d;
  jpeg(d, "r/a/one.jpg", 1);
  REQUIRE(::mkfifo(d.path("r/a/pipe.jpg").c_str(), 0644) == 0);
  d.symlink("nowhere", "r/a/README");
  auto r = run_cli({"check", d.path("r"), "--format", "json"});
  CHECK(r.exit_code == 3);
  const json j = json::parse(r.out);
  REQUIRE(j["corrupt"].size() == 1);
  CHECK(j["corrupt"][0]["path"] == "a/pipe.jpg");
  CHECK(j["corrupt"][0]["reason"] == "other: not a regular file");
}

TEST_CASE("check: empty classes and other scan warnings are in the JSON warnings", "[check][e2e]") {
  TempDir d;
  jpeg(d, "r/a/one.jpg", 1);
  d.mkdir("r/b");
  auto r = run_cli({"check", d.path("r"), "--format", "json", "--allow-empty"});
  CHECK(r.exit_code == 0);
  const json j = json::parse(r.out);
  REQUIRE(j["warnings"].size() == 1);
  CHECK_THAT(j["warnings"][0].get<std::string>(), Catch::StartsWith("root '" + d.path("r") + "': "));
}

TEST_CASE("check: near-duplicate pairs stop at 100,000 with a warning", "[check][e2e]") {
  TempDir d;
  d.mkdir("r/a");
  for (int i = 0; i < 450; ++i) {
    const auto p = noise(8, 8, 1, static_cast<uint32_t>(i));
    classflow::test::write_png(d.path(fmt::format("r/a/{:03d}.png", i)), 8, 8, 1, 8, p.data());
  }
  // Text with nothing listed: the JSON of 100,000 pairs is 30 MB (slow to parse under ASan).
  auto r = run_cli({"check", d.path("r"), "--near-duplicates", "--near-threshold", "64", "--max-listed", "0"});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("near-duplicates (pHash): 100000\n"));  // of 450 * 449 / 2 = 101,025
  CHECK_THAT(r.out, Catch::Contains("warning: near-duplicates: stopped at 100000 pairs; a lower threshold (now 64)"));
}

TEST_CASE("report: never replaces a device, a FIFO or one of its own images, writes through a link", "[report][e2e]") {
  TempDir d;
  jpeg(d, "r/a/one.jpg", 1);
  jpeg(d, "r/a/two.jpg", 2);
  REQUIRE(::mkfifo(d.path("fifo.html").c_str(), 0644) == 0);
  auto fifo = run_cli({"report", d.path("r"), "-o", d.path("fifo.html")});
  CHECK(fifo.exit_code == 3);
  CHECK_THAT(fifo.err, Catch::Contains("report '" + d.path("fifo.html") +
                                       "' is not a regular file (a device, FIFO or socket); expected a new file name"));
  struct stat st {};
  REQUIRE(::lstat(d.path("fifo.html").c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));
  const auto before = classflow::test::read_bytes(d.path("r/a/two.jpg"));
  auto self = run_cli({"report", d.path("r"), "-o", d.path("r/a/../a/two.jpg")});
  CHECK(self.exit_code == 2);
  CHECK_THAT(self.err, Catch::Contains("is image 'a/two.jpg' of root '" + d.path("r") + "'"));
  CHECK(classflow::test::read_bytes(d.path("r/a/two.jpg")) == before);
  d.write_file("target.html", "old");
  d.symlink("target.html", "link.html");
  REQUIRE(run_cli({"report", d.path("r"), "-o", d.path("link.html")}).exit_code == 0);
  REQUIRE(::lstat(d.path("link.html").c_str(), &st) == 0);
  CHECK(S_ISLNK(st.st_mode));
  CHECK(classflow::test::read_bytes(d.path("target.html")).size() > 1000);
}

TEST_CASE("report: names that are not UTF-8 or hold controls are shown escaped, the page stays UTF-8", "[report][e2e]") {
  TempDir d;
  jpeg(d, "r/caf\xe9/x\x1b[31m.jpg", 1);
  jpeg(d, "r/ok/y.jpg", 2);
  const std::string out = d.path("r.html");
  REQUIRE(run_cli({"report", d.path("r"), "-o", out}).exit_code == 0);
  const std::string html = slurp(out);
  CHECK_THAT(html, Catch::Contains("<td>caf\\xe9</td>"));
  CHECK_THAT(html, Catch::Contains("caf\\xe9/x\\x1b[31m.jpg"));
  CHECK(html.find('\x1b') == std::string::npos);
  CHECK(html.find("caf\xe9") == std::string::npos);
}

TEST_CASE("check: colour counts add up, files counts every sample, --subset both is refused", "[check][e2e]") {
  TempDir d;
  jpeg(d, "r/a/one.jpg", 1);
  d.write_file("r/a/empty.png", "");
  d.write_file("r/a/text.jpg", "not an image at all");
  auto r = run_cli({"check", d.path("r"), "--format", "json"});
  CHECK(r.exit_code == 3);
  const json j = json::parse(r.out);
  CHECK(j["files"] == 3);
  CHECK(j["corrupt"].size() == 2);
  CHECK(j["roots"][0]["classes"]["a"] ==
        json::parse(R"({"images":3,"gray":0,"rgb":1,"palette":0,"cmyk":0,"alpha":0,"high_bit_depth":0,"unknown":0,"unreadable":2})"));
  auto both = run_cli({"check", d.path("r"), "--validation-split", "0.5", "--subset", "both"});
  CHECK(both.exit_code == 2);
  CHECK_THAT(both.err, Catch::Contains("--subset both makes two subsets of one root"));
}
