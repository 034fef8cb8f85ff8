// A saved mapping is the truth: explicit classes may only restrict it, in its order (issue 8:
// `--classes` used to override `--class-indices` silently, relabelling dog as 1.0).
#include <catch2/catch.hpp>

#include "image_writer.hpp"
#include "run_command.hpp"
#include "temp_tree.hpp"

#include <classflow/classflow.hpp>

using classflow::test::run_cli;
using classflow::test::TempDir;

namespace {
void tree(const TempDir& d, const std::string& root) {
  for (const char* cls : {"cat", "dog"}) {
    d.mkdir(root + "/" + cls);
    classflow::test::solid_rgb_png(d.path(root + "/" + cls + "/1.png"), 8, 8, 10, 20, 30);
  }
}
}  // namespace

TEST_CASE("explicit classes that disagree with a saved mapping: a data error naming both orders", "[cli][e2e][mapping]") {
  TempDir d;
  tree(d, "train");
  tree(d, "test");
  const std::string m = d.path("m.json");
  auto saved = run_cli({"scan", d.path("train"), "--classes", "dog,cat", "--class-mode", "binary",
                        "--save-class-indices", m});
  REQUIRE(saved.exit_code == 0);
  auto swapped = run_cli({"scan", d.path("test"), "--classes", "cat,dog", "--class-indices", m});
  CHECK(swapped.exit_code == 3);
  CHECK(swapped.out.empty());
  CHECK(swapped.err == "error: classes 'cat,dog' for '" + d.path("test") +
                           "' disagree with the saved class indices 'dog,cat'; expected the saved classes in their "
                           "order (or some of them, in that order), or no explicit classes: the saved mapping decides "
                           "the indices\n");
  auto unknown = run_cli({"scan", d.path("test"), "--classes", "dog,cow", "--class-indices", m});
  CHECK(unknown.exit_code == 3);
  // The same order, or a part of it in order, agrees: the indices are the saved ones.
  auto same = run_cli({"scan", d.path("test"), "--classes", "dog,cat", "--class-indices", m});
  CHECK(same.exit_code == 0);
  CHECK_THAT(same.out, Catch::Contains("binary: label 1.0 = class 'cat' (index 1); label 0.0 = class 'dog' (index 0)"));
  auto part = run_cli({"scan", d.path("test"), "--classes", "cat", "--class-indices", m, "--format", "json"});
  CHECK(part.exit_code == 0);
  CHECK_THAT(part.out, Catch::Contains(R"("class_indices": {
    "dog": 0,
    "cat": 1
  })") && Catch::Contains(R"("classes": [
    1
  ])"));
}

TEST_CASE("C++: the same rule for every source (csv)", "[mapping][csv]") {
  TempDir d;
  tree(d, "root");
  d.write_file("root/labels.csv", "filename,class\ncat/1.png,cat\ndog/1.png,dog\n");
  const classflow::Registry registry;
  classflow::ScanOptions o;
  o.root = d.path("root/labels.csv");
  o.class_indices = classflow::ClassIndex({"dog", "cat"});
  o.classes = {"cat", "dog"};
  CHECK_THROWS_AS(classflow::scan_dataset(registry, o), classflow::DataError);
  o.classes = {"dog", "cat"};
  auto ds = classflow::scan_dataset(registry, o);
  CHECK(ds.class_index.class_names() == std::vector<std::string>{"dog", "cat"});
  CHECK(ds.classes() == std::vector<int32_t>{1, 0});
}
