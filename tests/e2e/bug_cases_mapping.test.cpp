// Bug cases of kinds class discovery and mapping consistency checked through the core and CLI:
// BR-03 (images in the root), BR-06 (numeric folder names end to end).
#include <catch2/catch.hpp>

#include <classflow/classflow.hpp>

#include <cstring>

#include "image_writer.hpp"
#include "run_command.hpp"
#include "temp_tree.hpp"

using classflow::test::TempDir;

namespace {
const classflow::Registry& registry() {
  static classflow::Registry r;
  return r;
}
}  // namespace

TEST_CASE("BR-03: images directly in the root: a clear error, or a flat label-less dataset", "[bug-cases][e2e]") {
  TempDir d;
  d.mkdir("root");
  for (const char* f : {"x1.jpg", "x2.jpg", "x3.jpg"}) {
    std::vector<uint8_t> px(4 * 4 * 3, 100);
    classflow::test::write_jpeg(d.path(std::string("root/") + f), 4, 4, 3, px.data());
  }
  classflow::ScanOptions o;
  o.root = d.path("root");
  CHECK_THROWS_WITH(
      classflow::scan_dataset(registry(), o),
      "dataset root '" + d.path("root") +
          "' has 0 class subfolders and 3 image files directly in it; expected one subfolder per "
          "class: point to the parent folder, or load the images without labels (--class-mode none, class_mode=None)");
  auto cli = classflow::test::run_cli({"scan", d.path("root")});
  CHECK(cli.exit_code == 3);

  o.labels = false;  // class_mode none (Keras would still demand a subfolder)
  auto flat = classflow::scan_dataset(registry(), o);
  CHECK_FALSE(flat.labelled);
  CHECK(flat.filenames() == std::vector<std::string>{"x1.jpg", "x2.jpg", "x3.jpg"});
  CHECK(flat.classes() == std::vector<int32_t>{-1, -1, -1});
  CHECK(flat.found_message() == "Found 3 images.");
  auto none = classflow::test::run_cli({"flow", d.path("root"), "--class-mode", "none", "--target-size", "4x4",
                                        "--format", "json"});
  REQUIRE(none.exit_code == 0);
  CHECK_THAT(none.out, Catch::Contains("\"message\": \"Found 3 images.\"") && Catch::Contains("\"images\": 3"));
}

TEST_CASE("BR-06: folders 1, 2, 10: text order by default, '2' is label 2 and decodes back to '2'", "[bug-cases][e2e]") {
  TempDir d;
  for (const char* c : {"1", "2", "10"}) {
    d.mkdir(std::string("root/") + c);
    classflow::test::solid_rgb_png(d.path(std::string("root/") + c + "/img.png"), 4, 4, 1, 2, 3);
  }
  classflow::ScanOptions o;
  o.root = d.path("root");
  auto ds = classflow::scan_dataset(registry(), o);
  CHECK(ds.class_index.class_names() == std::vector<std::string>{"1", "10", "2"});  // known before any batch
  CHECK(ds.filenames() == std::vector<std::string>{"1/img.png", "10/img.png", "2/img.png"});
  auto sparse = registry().make_encoder("sparse", ds.class_index.class_names());
  auto labels = sparse->encode(ds.classes());
  int32_t label_of_2;
  std::memcpy(&label_of_2, labels.data() + 2 * sizeof(int32_t), sizeof label_of_2);
  CHECK(label_of_2 == 2);
  const float scores[3] = {0.1f, 0.2f, 0.7f};
  auto best = sparse->decode(scores, 3, {});
  REQUIRE(best.size() == 1);
  CHECK(ds.class_index.name_of(best[0].class_id) == "2");

  o.class_order = classflow::ClassOrder::natural;
  auto natural = classflow::scan_dataset(registry(), o);
  CHECK(natural.class_index.class_names() == std::vector<std::string>{"1", "2", "10"});
  CHECK(natural.filenames() == std::vector<std::string>{"1/img.png", "2/img.png", "10/img.png"});
  auto cli = classflow::test::run_cli({"scan", d.path("root"), "--class-order", "natural", "--format", "json"});
  CHECK_THAT(cli.out, Catch::Contains(R"("class_indices": {
    "1": 0,
    "2": 1,
    "10": 2
  })"));
}
