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

TEST_CASE("encoder options travel with the mapping: a later run encodes and decodes the same way", "[cli][e2e][mapping]") {
  TempDir d;
  tree(d, "train");
  const std::string m = d.path("m.json");
  REQUIRE(run_cli({"scan", d.path("train"), "--class-mode", "binary", "--encoder-opt", "threshold=0.7",
                   "--save-class-indices", m})
              .exit_code == 0);
  d.write_file("p.csv", "0.6\n0.8\n");
  auto saved = run_cli({"decode", "--class-indices", m, d.path("p.csv")});
  CHECK(saved.exit_code == 0);
  CHECK(saved.out == "row,class_name,score\n0,cat,0.4\n1,dog,0.8\n");  // 0.6 < the saved 0.7
  auto given = run_cli({"decode", "--class-indices", m, "--encoder-opt", "threshold=0.5", d.path("p.csv")});
  CHECK(given.out == "row,class_name,score\n0,dog,0.6\n1,dog,0.8\n");  // an option given now wins
  REQUIRE(run_cli({"scan", d.path("train"), "--encoder-opt", "label_smoothing=0.2", "--save-class-indices", m})
              .exit_code == 0);
  auto flow = run_cli({"flow", d.path("train"), "--class-indices", m, "--target-size", "8x8", "--no-shuffle",
                       "--format", "json", "--dump-labels"});
  INFO("flow stderr: " << flow.err);
  CHECK(flow.exit_code == 0);
  CHECK_THAT(flow.out, Catch::Contains(R"("labels": [
        [
          0.9000000357627869,
          0.10000000149011612
        ],)"));
}

TEST_CASE("decode reads what NumPy writes (savetxt blanks, tabs, semicolons, tiny scores) and --filenames",
          "[cli][e2e][decode]") {
  TempDir d;
  d.write_file("m.json", R"({"class_names": ["cat", "dog"], "class_mode": "categorical"})");
  const std::string m = d.path("m.json");
  auto decode = [&](const std::string& file, const std::string& text, std::vector<std::string> extra = {}) {
    d.write_file(file, text);
    std::vector<std::string> args{"decode", "--class-indices", m};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(d.path(file));
    return run_cli(args);
  };
  // np.savetxt(f, [[0.1, 0.9], [1e-39, 1.0]]): '%.18e' with single blanks.
  auto blanks = decode("s.txt", "1.000000000000000056e-01 9.000000000000000222e-01\n1.000000000000000000e-39 "
                                "1.000000000000000000e+00\n");
  CHECK(blanks.exit_code == 0);
  CHECK(blanks.out == "row,class_name,score\n0,dog,0.9\n1,dog,1\n");
  auto semicolon = decode("one.csv", "0.7;0.3\n");  // one row, not comma-separated: still decoded
  CHECK(semicolon.out == "row,class_name,score\n0,cat,0.7\n");
  auto tabs = decode("t.tsv", "cat\tdog\n0.2\t0.8\n");
  CHECK(tabs.out == "row,class_name,score\n0,dog,0.8\n");
  auto tiny_first = decode("tiny.csv", "1e-39,1\n0.9,0.1\n");  // an underflowing first row is data, not a header
  CHECK(tiny_first.out == "row,class_name,score\n0,dog,1\n1,cat,0.9\n");
  auto bad = decode("bad.txt", "0.1 0.9\n0.5 x\n");
  CHECK(bad.exit_code == 3);
  CHECK(bad.err == "error: predictions file '" + d.path("bad.txt") +
                       "' line 2 column 2 holds 'x'; expected a number (columns split at blanks)\n");
  d.write_file("names.txt", "cat/1.png\ndog/7.png\n");
  auto named = decode("p.csv", "0.8,0.2\n0.4,0.6\n", {"--filenames", d.path("names.txt")});
  CHECK(named.out == "row,filename,class_name,score\n0,cat/1.png,cat,0.8\n1,dog/7.png,dog,0.6\n");
  auto short_list = decode("p3.csv", "0.8,0.2\n0.4,0.6\n0.5,0.5\n", {"--filenames", d.path("names.txt")});
  CHECK(short_list.exit_code == 3);
  CHECK(short_list.err == "error: predictions file '" + d.path("p3.csv") + "' has 3 rows but filenames file '" +
                              d.path("names.txt") +
                              "' lists 2 names; expected one name per prediction row, in the same order\n");
}
