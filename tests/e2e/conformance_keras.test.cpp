// Data-driven conformance with Keras flow_from_directory (tests/data/conformance/keras): every
// recorded run is replayed on its materialised tree; class_indices, filenames, classes, the
// "Found ..." line and the encoded labels must equal Keras's, except the deliberate
// differences listed in README "Differences from Keras / torchvision", each asserted here with
// classflow's own value.
#include <catch2/catch.hpp>

#include <classflow/classflow.hpp>

#include "conformance_tree.hpp"
#include "temp_tree.hpp"

#include <boost/filesystem.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>

namespace fs = boost::filesystem;
using nlohmann::json;

namespace {

const std::string kDir = std::string(CLASSFLOW_TEST_DATA_DIR) + "/conformance/keras";

json read_json(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

std::vector<std::string> expected_files() {
  std::vector<std::string> out;
  for (fs::directory_iterator it(kDir + "/expected"), end; it != end; ++it)
    if (it->path().extension() == ".json") out.push_back(it->path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

classflow::Registry& registry() {
  static classflow::Registry r;
  return r;
}

struct Run {
  classflow::ScanOptions scan;
  std::string class_mode;  // "none" for Keras class_mode=None
};

Run options_of(const json& o, const std::string& root) {
  Run r;
  r.scan.root = root;
  r.class_mode = o["class_mode"].is_null() ? "none" : o["class_mode"].get<std::string>();
  r.scan.labels = r.class_mode != "none";
  if (o["classes"].is_array())
    for (const auto& c : o["classes"]) r.scan.classes.push_back(c.get<std::string>());
  r.scan.follow_links = o.value("follow_links", false);
  if (o["validation_split"].is_number()) r.scan.validation_split = o["validation_split"].get<double>();
  if (o["subset"].is_string()) r.scan.subset = classflow::parse_subset(o["subset"].get<std::string>());
  // Keras 1.x takes the head of each class; classflow's default is a seeded permutation.
  r.scan.split_method = classflow::SplitMethod::head;
  return r;
}

// Keras' `labels` for the whole (sub)set, flattened to floats, from classflow's encoder.
std::vector<float> encoded_labels(const classflow::Dataset& ds, const std::string& class_mode) {
  auto enc = registry().make_encoder(class_mode, ds.class_index.class_names());
  auto bytes = enc->encode(ds.classes());
  std::vector<float> out;
  if (enc->label_desc().dtype == classflow::sdk::DType::int32) {
    for (std::size_t i = 0; i < bytes.size(); i += 4) {
      int32_t v;
      std::memcpy(&v, &bytes[i], 4);
      out.push_back(static_cast<float>(v));
    }
  } else {
    out.resize(bytes.size() / 4);
    std::memcpy(out.data(), bytes.data(), bytes.size());
  }
  return out;
}

void flatten_into(const json& v, std::vector<float>& out) {
  if (v.is_array())
    for (const auto& x : v) flatten_into(x, out);
  else out.push_back(v.get<float>());
}

// Nested JSON arrays of numbers in row-major order.
std::vector<float> flatten(const json& v) {
  std::vector<float> out;
  flatten_into(v, out);
  return out;
}

}  // namespace

TEST_CASE("Keras flow_from_directory conformance: mapping, filenames, classes, labels", "[conformance][e2e]") {
  auto files = expected_files();
  REQUIRE(files.size() == 40);
  // Runs whose classflow answer deliberately differs; each is asserted in its own test below.
  const std::set<std::string> differs = {
      "c02_explicit_classes__o03_cm-sparse_classes-dog+cat+bird.json",  // class without folder
      "c03_three_classes__o01_cm-binary.json",                          // binary needs 2 classes
      "c11_non_image__o00_cm-sparse.json",                              // extensions by decoder
      "c14_val_split__o05_cm-sparse_validation.json",                   // subset needs a split
      "c17_single_class__o01_cm-binary.json",                           // binary needs 2 classes
  };
  for (const auto& name : files) {
    DYNAMIC_SECTION(name) {
      json expected = read_json(kDir + "/expected/" + name);
      std::string tree = name.substr(0, name.find("__"));
      classflow::test::TempDir dir;
      classflow::test::materialise_tree(kDir + "/trees/" + tree + ".json", dir.path("root"));
      const json& k = expected["keras_preprocessing"];
      if (differs.count(name)) continue;
      REQUIRE(k["ok"].get<bool>());
      Run run = options_of(expected["options"], dir.path("root"));
      classflow::Dataset ds = classflow::scan_dataset(registry(), run.scan);

      CHECK(ds.found_message() == k["stdout"][0].get<std::string>());
      std::map<std::string, int> indices;
      for (int32_t i = 0; i < ds.class_index.size(); ++i) indices[ds.class_index.name_of(i)] = i;
      CHECK(indices == k["class_indices"].get<std::map<std::string, int>>());
      CHECK(ds.class_index.class_names() == k["class_names_by_index"].get<std::vector<std::string>>());
      CHECK(ds.filenames() == k["filenames"].get<std::vector<std::string>>());
      CHECK(ds.classes() == k["classes"].get<std::vector<int32_t>>());
      // `labels` are recorded in batch order; unshuffled, that is the canonical order.
      bool shuffled = expected["options"].value("shuffle", false);
      if (!shuffled && (run.class_mode == "categorical" || run.class_mode == "binary" || run.class_mode == "sparse"))
        CHECK(encoded_labels(ds, run.class_mode) == flatten(k["labels"]));
    }
  }
}

namespace {
std::shared_ptr<const classflow::Registry> shared_registry() {
  static auto r = std::make_shared<const classflow::Registry>();
  return r;
}

classflow::LoaderOptions loader_options_of(const json& o) {
  classflow::LoaderOptions l;
  l.target_size = {o["target_size"][0].get<int32_t>(), o["target_size"][1].get<int32_t>()};
  l.batch_size = o["batch_size"].get<int32_t>();
  l.shuffle = o.value("shuffle", false);
  if (o["seed"].is_number()) l.seed = o["seed"].get<uint32_t>();
  l.color_mode = classflow::parse_color_mode(o.value("color_mode", std::string("rgb")));
  if (o["interpolation"].is_string()) l.interpolation = classflow::parse_interpolation(o["interpolation"].get<std::string>());
  l.keep_aspect_ratio = o.value("keep_aspect_ratio", false);
  return l;
}

std::vector<float> batch_labels_as_float(const classflow::Batch& b) {
  std::vector<float> out;
  const auto& t = b.labels;
  std::size_t n = t.data.size() / classflow::sdk::dtype_size(t.dtype);
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(t.dtype == classflow::sdk::DType::int32 ? static_cast<float>(t.as<int32_t>()[i]) : t.as<float>()[i]);
  return out;
}
}  // namespace

TEST_CASE("Keras conformance: batch order, per-batch labels and nearest pixels", "[conformance][e2e][loader]") {
  for (const auto& name : expected_files()) {
    json expected = read_json(kDir + "/expected/" + name);
    const json& k = expected["keras_preprocessing"];
    if (!k["ok"].get<bool>()) continue;
    Run run = options_of(expected["options"], "");
    if (run.class_mode == "binary" && k["num_classes"] != 2) continue;  // a deliberate difference
    if (name.rfind("c11_", 0) == 0 || name.rfind("c14_val_split__o05", 0) == 0) continue;  // differences
    if (name.find("bird") != std::string::npos) continue;                                    // difference
    DYNAMIC_SECTION(name) {
      classflow::test::TempDir dir;
      classflow::test::materialise_tree(kDir + "/trees/" + name.substr(0, name.find("__")) + ".json",
                                        dir.path("root"));
      run.scan.root = dir.path("root");
      auto ds = classflow::scan_dataset(*shared_registry(), run.scan);
      std::string mode = run.class_mode == "none" ? "none" : run.class_mode;
      classflow::DataLoader loader(shared_registry(), ds, classflow::LabelSpec::resolve(*shared_registry(), {mode, {}, {}}),
                                   loader_options_of(expected["options"]));
      REQUIRE(loader.num_batches() == k["len_batches"].get<int64_t>());
      if (k.contains("epoch1_order_filenames")) {
        std::vector<std::string> order;
        auto names = loader.filenames();
        for (auto i : loader.epoch_order(0)) order.push_back(names[static_cast<std::size_t>(i)]);
        CHECK(order == k["epoch1_order_filenames"].get<std::vector<std::string>>());
      }
      auto stream = loader.stream(0);
      classflow::Batch b;
      for (const auto& kb : k["batches"]) {
        REQUIRE(stream.next(b));
        CHECK(b.sample_indices == kb["index_array"].get<std::vector<int64_t>>());
        CHECK(b.images.shape == kb["x_shape"].get<std::vector<int64_t>>());
        if (kb.contains("y")) CHECK(batch_labels_as_float(b) == flatten(kb["y"]));
        // Pixels are bit-exact for nearest (Pillow's rule); other filters are OpenCV's own.
        bool nearest = !expected["options"]["interpolation"].is_string() ||
                       expected["options"]["interpolation"] == "nearest";
        if (!kb.contains("pixels") || !nearest) continue;
        for (std::size_t item = 0; item < kb["pixels"].size(); ++item) {
          const json& px = kb["pixels"][item];
          CHECK(b.paths[item] == px["file"].get<std::string>());
          if (px["x"].is_null()) continue;  // JPEG: lossy, Keras did not dump it
          std::vector<float> want = flatten(px["x"]);
          std::vector<float> got;
          std::size_t per = want.size();
          for (std::size_t i = 0; i < per; ++i) got.push_back(b.images.as<float>()[item * per + i]);
          INFO("file " << px["file"]);
          CHECK(got == want);
        }
      }
      CHECK_FALSE(stream.next(b));
    }
  }
}

namespace {
classflow::Dataset scan_case(const std::string& tree, classflow::test::TempDir& dir, classflow::ScanOptions o) {
  classflow::test::materialise_tree(kDir + "/trees/" + tree + ".json", dir.path("root"));
  o.root = dir.path("root");
  return classflow::scan_dataset(registry(), o);
}
}  // namespace

TEST_CASE("difference: an explicit class without a folder is an error unless allow_empty", "[conformance][e2e]") {
  classflow::test::TempDir dir;
  classflow::ScanOptions o;
  o.classes = {"dog", "cat", "bird"};
  CHECK_THROWS_WITH(scan_case("c02_explicit_classes", dir, o),
                    Catch::StartsWith("class 'bird' (no folder '" + dir.path("root") + "/bird') has no images; "
                                      "expected at least one image with a supported extension"));
  o.allow_empty = true;
  classflow::test::TempDir dir2;
  auto ds = scan_case("c02_explicit_classes", dir2, o);
  // With allow_empty, Keras's answer: bird keeps index 2 with 0 images.
  CHECK(ds.found_message() == "Found 4 images belonging to 3 classes.");
  CHECK(ds.class_index.class_names() == std::vector<std::string>{"dog", "cat", "bird"});
  CHECK(ds.filenames() == std::vector<std::string>{"dog/d1.png", "dog/d2.png", "cat/c1.png", "cat/c2.png"});
  CHECK(ds.class_counts() == std::vector<int64_t>{2, 2, 0});
}

TEST_CASE("difference: binary with 1 or 3 classes is an error naming them", "[conformance][e2e]") {
  classflow::test::TempDir dir;
  auto ds = scan_case("c03_three_classes", dir, {});
  CHECK(ds.class_index.class_names() == std::vector<std::string>{"cat", "dog", "lizard"});
  CHECK_THROWS_AS(registry().make_encoder("binary", ds.class_index.class_names()), classflow::DataError);
  CHECK_THROWS_WITH(registry().make_encoder("binary", ds.class_index.class_names()),
                    Catch::Contains("binary") && Catch::Contains("3") && Catch::Contains("cat, dog, lizard"));
  classflow::test::TempDir dir1;
  auto one = scan_case("c17_single_class", dir1, {});
  CHECK_THROWS_WITH(registry().make_encoder("binary", one.class_index.class_names()),
                    Catch::Contains("binary") && Catch::Contains("1") && Catch::Contains("only"));
}

TEST_CASE("difference: files count by the extensions registered decoders claim", "[conformance][e2e]") {
  classflow::test::TempDir dir;
  auto ds = scan_case("c11_non_image", dir, {});
  // Keras: a.png, p.ppm, t.tif, weirdpng (ends with "png"), b.jpg. classflow also reads .webp and
  // .pgm (decoders are registered) and never takes a name without an extension.
  CHECK(ds.filenames() == std::vector<std::string>{"cat/a.png", "cat/p.ppm", "cat/pic.webp", "cat/q.pgm",
                                                   "cat/t.tif", "dog/b.jpg"});
  CHECK(ds.found_message() == "Found 6 images belonging to 2 classes.");
  auto summary = ds.skipped_summary();
  CHECK(summary["unsupported extension"] ==
        std::map<std::string, int64_t>{{"(no extension)", 1}, {".bak", 1}, {".gif", 1}, {".md", 1}, {".txt", 2}});
}

TEST_CASE("difference: subset without validation_split is a usage error", "[conformance][e2e]") {
  classflow::test::TempDir dir;
  classflow::ScanOptions o;
  o.subset = classflow::Subset::validation;
  CHECK_THROWS_AS(scan_case("c14_val_split", dir, o), classflow::UsageError);
  classflow::test::TempDir dir2;
  CHECK_THROWS_WITH(scan_case("c14_val_split", dir2, o),
                    "subset 'validation' needs a validation split; expected --validation-split F (validation_split=F) "
                    "with 0 < F < 1");
}

TEST_CASE("difference: the default split is a seeded permutation per class", "[conformance][e2e]") {
  classflow::ScanOptions o;
  o.validation_split = 0.2;
  o.subset = classflow::Subset::validation;
  o.seed = 0;
  classflow::test::TempDir d1, d2;
  auto val = scan_case("c14_val_split", d1, o);
  o.subset = classflow::Subset::training;
  auto train = scan_case("c14_val_split", d2, o);
  // floor(0.2 * 7) = 1 per class. RandomState(0).permutation(7) = [6 2 1 3 0 5 4] picks c7; the
  // same stream's next permutation(7) = [1 0 6 3 4 2 5] picks d2.
  CHECK(val.num_samples() == 2);
  CHECK(train.num_samples() == 12);
  CHECK(val.classes() == std::vector<int32_t>{0, 1});
  std::set<std::string> all;
  for (const auto& f : val.filenames()) all.insert(f);
  for (const auto& f : train.filenames()) all.insert(f);
  CHECK(all.size() == 14);
  CHECK(val.filenames() == std::vector<std::string>{"cat/c7.jpg", "dog/d2.bmp"});
}
