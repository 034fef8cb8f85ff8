// The `classflow` binary end to end: output text, JSON fields, exit codes, mapping files.
#include <catch2/catch.hpp>

#include "image_writer.hpp"
#include "run_command.hpp"
#include "temp_tree.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

using classflow::test::run_cli;
using classflow::test::TempDir;
using nlohmann::json;

namespace {
const std::string kDigits = std::string(CLASSFLOW_SOURCE_DIR) + "/examples/data/digits";

// root/<class>/<i>.png for each class, each image a solid colour.
void make_tree(const TempDir& d, const std::string& root, const std::vector<std::pair<std::string, int>>& classes) {
  int colour = 0;
  for (const auto& [name, n] : classes)
    for (int i = 0; i < n; ++i, colour += 20) {
      d.mkdir(root + "/" + name);
      classflow::test::solid_rgb_png(d.path(root + "/" + name + "/" + std::to_string(i) + ".png"), 8, 8,
                                     static_cast<uint8_t>(colour), 0, 0);
    }
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

TEST_CASE("scan --format json on the bundled digits", "[cli][e2e]") {
  auto r = run_cli({"scan", kDigits, "--format", "json"});
  REQUIRE(r.exit_code == 0);
  json j = json::parse(r.out);
  json expected_indices = json::object();
  for (int i = 0; i < 10; ++i) expected_indices[std::to_string(i)] = i;
  CHECK(j["class_indices"] == expected_indices);
  CHECK(j["class_names"] == json({"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}));
  CHECK(j["num_samples"] == 1797);
  CHECK(j["num_classes"] == 10);
  CHECK(j["message"] == "Found 1797 images belonging to 10 classes.");
  CHECK(j["class_mode"] == "categorical");
  CHECK(j["positive_class"].is_null());
  CHECK(j["label_dtype"] == "float32");
  CHECK(j["label_shape"] == json({10}));
  CHECK(j["filenames"].size() == 1797);
  CHECK(j["filenames"][0] == "0/0000.png");
  CHECK(j["classes"][0] == 0);
  CHECK(j["classes"][1796] == 9);
  CHECK(j["class_counts"]["0"] == 178);
  CHECK(j["class_counts"]["8"] == 174);
  CHECK(j["skipped"] == json::parse(R"([{"path": "ATTRIBUTION.md", "reason": "file in root", "detail": ".md"}])"));
}

TEST_CASE("scan --classes 3,8 --class-mode binary says which class is 1", "[cli][e2e]") {
  auto text = run_cli({"scan", kDigits, "--classes", "3,8", "--class-mode", "binary"});
  REQUIRE(text.exit_code == 0);
  CHECK_THAT(text.out, Catch::StartsWith("Found 357 images belonging to 2 classes.\n"));
  CHECK_THAT(text.out, Catch::Contains("binary: label 1.0 = class '8' (index 1); label 0.0 = class '3' (index 0)"));
  auto js = run_cli({"scan", kDigits, "--classes", "3,8", "--class-mode", "binary", "--format", "json"});
  REQUIRE(js.exit_code == 0);
  json j = json::parse(js.out);
  CHECK(j["class_indices"] == json::parse(R"({"3": 0, "8": 1})"));
  CHECK(j["positive_class"] == "8");
  CHECK(j["filtered"] == 1797 - 357);
}

TEST_CASE("binary on a 3-class folder exits 3 naming the classes (BR-17)", "[cli][e2e]") {
  TempDir d;
  make_tree(d, "root", {{"a", 1}, {"b", 1}, {"c", 1}});
  auto r = run_cli({"scan", d.path("root"), "--class-mode", "binary"});
  CHECK(r.exit_code == 3);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, Catch::Contains("binary") && Catch::Contains("found 3: a, b, c"));
}

TEST_CASE("exit codes: usage 2, data 3", "[cli][e2e]") {
  TempDir d;
  make_tree(d, "root", {{"a", 1}, {"b", 1}});
  auto unknown_mode = run_cli({"scan", d.path("root"), "--class-mode", "onehot"});
  CHECK(unknown_mode.exit_code == 2);
  CHECK(unknown_mode.err ==
        "error: unknown class_mode 'onehot'; expected one of: binary, categorical, input, multi_hot, none, raw, sparse\n");
  auto bad_flag = run_cli({"scan", d.path("root"), "--no-such-flag"});
  CHECK(bad_flag.exit_code == 2);
  auto bad_format = run_cli({"scan", d.path("root"), "--format", "yaml"});
  CHECK(bad_format.exit_code == 2);
  CHECK(bad_format.err == "error: unknown format 'yaml'; expected one of: text, json\n");
  auto missing = run_cli({"scan", d.path("nope")});
  CHECK(missing.exit_code == 3);
  CHECK(missing.err == "error: dataset root '" + d.path("nope") +
                           "' does not exist; expected a folder with one subfolder per class\n");
  auto bad_opt = run_cli({"scan", d.path("root"), "--encoder-opt", "label_smoothing"});
  CHECK(bad_opt.exit_code == 2);
  CHECK_THAT(bad_opt.err, Catch::Contains("--encoder-opt 'label_smoothing' is not key=value"));
}

TEST_CASE("save a mapping, then enforce it on validation and test folders", "[cli][e2e]") {
  TempDir d;
  make_tree(d, "train", {{"cat", 2}, {"dog", 2}, {"emu", 2}});
  make_tree(d, "test", {{"dog", 1}, {"emu", 1}});
  make_tree(d, "other", {{"cat", 1}, {"fox", 1}});
  std::string mapping = d.path("class_indices.json");
  REQUIRE(run_cli({"scan", d.path("train"), "--save-class-indices", mapping}).exit_code == 0);
  json saved = json::parse(slurp(mapping));
  CHECK(saved["format"] == "classflow.class_indices/1");
  CHECK(saved["class_indices"] == json::parse(R"({"cat": 0, "dog": 1, "emu": 2})"));
  CHECK(saved["class_mode"] == "categorical");

  // The test folder lacks 'cat': indices stay, with a warning naming it.
  auto test = run_cli({"scan", d.path("test"), "--class-indices", mapping, "--format", "json"});
  REQUIRE(test.exit_code == 0);
  json j = json::parse(test.out);
  CHECK(j["class_indices"] == json::parse(R"({"cat": 0, "dog": 1, "emu": 2})"));
  CHECK(j["classes"] == json({1, 2}));
  CHECK_THAT(test.err, Catch::Contains("warning: classes of the saved mapping not present in") &&
                           Catch::Contains(": cat (indices kept)"));

  // An unknown class folder is an error naming it.
  auto other = run_cli({"scan", d.path("other"), "--class-indices", mapping});
  CHECK(other.exit_code == 3);
  CHECK_THAT(other.err, Catch::Contains("classes 'fox' in '" + d.path("other") +
                                        "' are not in the saved class indices (cat, dog, emu)"));

  // --classes reads only the listed folders: the others need not be in the saved mapping.
  REQUIRE(run_cli({"scan", d.path("train"), "--classes", "emu,cat", "--save-class-indices", d.path("part.json")})
              .exit_code == 0);
  auto part = run_cli({"scan", d.path("train"), "--class-indices", d.path("part.json"), "--classes", "emu,cat",
                       "--format", "json"});
  REQUIRE(part.exit_code == 0);
  json pj = json::parse(part.out);
  CHECK(pj["class_indices"] == json::parse(R"({"emu": 0, "cat": 1})"));
  CHECK(pj["num_samples"] == 4);
  auto part_other = run_cli({"scan", d.path("other"), "--class-indices", d.path("part.json"), "--classes", "cat"});
  CHECK(part_other.exit_code == 0);  // 'fox' is not read: no error

  // --mapping-format keras writes the plain dict Keras users load with json.load.
  std::string keras = d.path("keras.json");
  REQUIRE(run_cli({"scan", d.path("train"), "--save-class-indices", keras, "--mapping-format", "keras"}).exit_code == 0);
  CHECK(slurp(keras) == "{\n  \"cat\": 0,\n  \"dog\": 1,\n  \"emu\": 2\n}\n");
  // ... and it is accepted back.
  CHECK(run_cli({"scan", d.path("test"), "--class-indices", keras}).exit_code == 0);
}

TEST_CASE("decode: argmax, top-k and binary threshold through a saved mapping (BR-11, BR-18)", "[cli][e2e]") {
  TempDir d;
  make_tree(d, "animals", {{"cat", 2}, {"dog", 2}, {"emu", 2}});
  make_tree(d, "rust", {{"NORUST", 2}, {"RUST", 2}});
  std::string m3 = d.path("m3.json"), m2 = d.path("m2.json");
  REQUIRE(run_cli({"scan", d.path("animals"), "--save-class-indices", m3}).exit_code == 0);
  REQUIRE(run_cli({"scan", d.path("rust"), "--class-mode", "binary", "--save-class-indices", m2}).exit_code == 0);
  d.write_file("p3.csv", "0.1,0.7,0.2\n0.8,0.1,0.1\n");
  auto top1 = run_cli({"decode", "--class-indices", m3, d.path("p3.csv")});
  REQUIRE(top1.exit_code == 0);
  CHECK(top1.out == "row,class_name,score\n0,dog,0.7\n1,cat,0.8\n");
  auto top2 = run_cli({"decode", "--class-indices", m3, "--top-k", "2", d.path("p3.csv")});
  CHECK(top2.out == "row,class_name_1,score_1,class_name_2,score_2\n0,dog,0.7,emu,0.2\n1,cat,0.8,dog,0.1\n");

  d.write_file("p1.csv", "score\n0.8\n0.3\n0.5\n");  // a header row is skipped
  auto bin = run_cli({"decode", "--class-indices", m2, d.path("p1.csv")});
  REQUIRE(bin.exit_code == 0);
  CHECK(bin.out == "row,class_name,score\n0,RUST,0.8\n1,NORUST,0.7\n2,RUST,0.5\n");
  auto strict = run_cli({"decode", "--class-indices", m2, "--threshold", "0.6", d.path("p1.csv")});
  CHECK(strict.out == "row,class_name,score\n0,RUST,0.8\n1,NORUST,0.7\n2,NORUST,0.5\n");

  d.write_file("bad.csv", "0.1,0.7,0.2\n0.8,x,0.1\n");
  auto bad = run_cli({"decode", "--class-indices", m3, d.path("bad.csv")});
  CHECK(bad.exit_code == 3);
  CHECK(bad.err == "error: predictions file '" + d.path("bad.csv") + "' line 2 column 2 holds 'x'; expected a number\n");
  auto wide = run_cli({"decode", "--class-indices", m2, d.path("p3.csv")});
  CHECK(wide.exit_code == 3);  // a row that does not fit is bad data, named with its file and line
  CHECK_THAT(wide.err, Catch::StartsWith("error: predictions file '" + d.path("p3.csv") + "' line 1: ") &&
                           Catch::Contains("encoder 'binary'") && Catch::Contains("expected 1"));
  d.write_file("mixed.csv", "0.1,abc,0.2\n0.8,0.1,0.1\n");  // a partly numeric first line is no header
  auto mixed = run_cli({"decode", "--class-indices", m3, d.path("mixed.csv")});
  CHECK(mixed.exit_code == 3);
  CHECK(mixed.err == "error: predictions file '" + d.path("mixed.csv") + "' line 1 column 2 holds 'abc'; expected a number\n");
}

TEST_CASE("plugins lists sources, decoders and encoders, refuses a wrong-ABI plugin", "[cli][e2e]") {
  auto r = run_cli({"plugins", "--format", "json"});
  REQUIRE(r.exit_code == 0);
  json j = json::parse(r.out);
  std::map<std::string, std::vector<std::string>> kinds;
  for (const auto& p : j["plugins"]) kinds[p["kind"]].push_back(p["name"]);
  CHECK(kinds["source"] == std::vector<std::string>{"csv", "directory"});
  CHECK(kinds["decoder"] == std::vector<std::string>{"jpeg", "opencv", "png"});
  CHECK(kinds["encoder"] == std::vector<std::string>{"binary", "categorical", "multi_hot", "raw", "sparse"});
  CHECK(j["refused"].empty());

  auto bad = run_cli({"plugins", "--plugin-dir", std::string(CLASSFLOW_BROKEN_PLUGIN_DIR) + "/wrong_abi"});
  REQUIRE(bad.exit_code == 0);
  CHECK_THAT(bad.out, Catch::Contains("refused (1):") && Catch::Contains("wrong ABI major version: got 2, expected 1"));
}

TEST_CASE("flow --export writes .npy batches with the mapping, and never into a used folder", "[cli][e2e]") {
  TempDir d;
  make_tree(d, "root", {{"cat", 3}, {"dog", 2}});
  std::string out = d.path("export");
  auto r = run_cli({"flow", d.path("root"), "--target-size", "4x4", "--batch-size", "4", "--no-shuffle",
                    "--dtype", "uint8", "--export", out});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("exported 2 batches to " + out));
  std::string images = slurp(out + "/images_00000.npy");
  REQUIRE(images.size() > 128);
  CHECK(images.substr(0, 6) == "\x93NUMPY");
  CHECK_THAT(images.substr(10, 118), Catch::StartsWith("{'descr': '|u1', 'fortran_order': False, 'shape': (4, 4, 4, 3), }"));
  CHECK(images.size() == 128 + 4 * 4 * 4 * 3);  // header padded to 64-byte alignment, then the data
  CHECK_THAT(slurp(out + "/labels_00001.npy"), Catch::Contains("'shape': (1, 2), }"));
  CHECK(slurp(out + "/filenames.txt") == "cat/0.png\ncat/1.png\ncat/2.png\ndog/0.png\ndog/1.png\n");
  CHECK_THAT(slurp(out + "/class_indices.json"), Catch::Contains("\"cat\": 0"));
  auto again = run_cli({"flow", d.path("root"), "--target-size", "4x4", "--export", out});
  CHECK(again.exit_code == 2);
  CHECK(again.err == "error: export folder '" + out + "' is not empty; expected a new or empty folder for --export\n");
}

TEST_CASE(
    "flow: JPEGs decode at full size by default for Pillow's filters, --jpeg-draft scales them, "
    "--jpeg-draft=false means --no-jpeg-draft",
    "[cli][e2e]") {
  // A textured 64x64 JPEG asked at 8x8: --jpeg-draft decodes it at 1/8 (still >= target), other
  // pixels than the full decode (bit-exact with Pillow). area drafts by default (OpenCV's pixels).
  TempDir d;
  std::vector<uint8_t> px(64 * 64 * 3);
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<uint8_t>((i * 7919u) % 251u);  // texture
  std::filesystem::create_directories(d.path("root/a"));
  classflow::test::write_jpeg(d.path("root/a/x.jpg"), 64, 64, 3, px.data(), 90);
  auto pixels = [&](const std::string& name, const std::string& interpolation, const std::vector<std::string>& extra) {
    std::vector<std::string> args{"flow",        d.path("root"), "--target-size", "8x8",      "--interpolation",
                                  interpolation, "--dtype",      "uint8",         "--export", d.path(name)};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run_cli(args);
    REQUIRE(r.exit_code == 0);
    return slurp(d.path(name) + "/images_00000.npy");
  };
  const std::string exact = pixels("exact", "bilinear", {"--no-jpeg-draft"});
  CHECK(pixels("default", "bilinear", {}) == exact);
  CHECK(pixels("draft", "bilinear", {"--jpeg-draft"}) != exact);
  CHECK(pixels("draft-true", "bilinear", {"--jpeg-draft=true"}) == pixels("draft-again", "bilinear", {"--jpeg-draft"}));
  const std::string area_full = pixels("area-full", "area", {"--no-jpeg-draft"});
  CHECK(pixels("area-default", "area", {}) != area_full);
  CHECK(pixels("area-false", "area", {"--jpeg-draft=false"}) == area_full);
  auto both = run_cli({"flow", d.path("root"), "--jpeg-draft", "--no-jpeg-draft"});
  CHECK(both.exit_code == 2);
  CHECK(both.err == "error: --jpeg-draft and --no-jpeg-draft contradict; expected one of them\n");
}
