// Hostile input (issue 8): never a crash, a hang, an empty image with a label, or a raw library
// error; a data error naming the file, and exact skip counts.
#include <catch2/catch.hpp>

#include "image_writer.hpp"
#include "run_command.hpp"
#include "temp_tree.hpp"

#include <classflow/classflow.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using classflow::test::run_cli;
using classflow::test::TempDir;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {
std::shared_ptr<const classflow::Registry> registry() {
  static auto r = std::make_shared<const classflow::Registry>();
  return r;
}
}  // namespace

TEST_CASE("a JPEG cut before its frame header is a data error, never a black image with a label",
          "[hostile][e2e][jpeg]") {
  TempDir d;
  d.mkdir("root/a");
  d.mkdir("root/b");
  classflow::test::solid_rgb_png(d.path("root/a/ok.png"), 8, 8, 200, 0, 0);
  classflow::test::solid_rgb_png(d.path("root/b/ok.png"), 8, 8, 0, 200, 0);
  // SOI, an APP0 segment, then the data ends: no SOF, no size.
  classflow::test::write_bytes(d.path("root/a/cut.jpg"), {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0,
                                                          1, 1, 0, 0, 1, 0, 1, 0, 0});
  auto raised = run_cli({"flow", d.path("root"), "--target-size", "8x8", "--no-shuffle"});
  CHECK(raised.exit_code == 3);
  CHECK_THAT(raised.err, StartsWith("error: image file '" + d.path("root/a/cut.jpg") + "' cannot be decoded: "));
  // Skipped exactly once per epoch, whatever the number of workers.
  for (const char* workers : {"1", "3"}) {
    auto skip = run_cli({"flow", d.path("root"), "--target-size", "8x8", "--on-error", "skip", "--epochs", "2",
                         "--batch-size", "1", "--num-workers", workers, "--format", "json"});
    CHECK(skip.exit_code == 0);
    CHECK_THAT(skip.out, Contains("\"images\": 4,"));
    CHECK_THAT(skip.out, Contains("\"epoch\": 0") && Contains("\"epoch\": 1"));
  }
}

TEST_CASE("very wide images and slivers under keep_aspect_ratio resize instead of aborting", "[hostile][e2e]") {
  TempDir d;
  d.mkdir("root/a");
  classflow::test::solid_rgb_png(d.path("root/a/wide.png"), 40000, 2, 10, 20, 30);
  classflow::test::solid_rgb_png(d.path("root/a/sliver.png"), 1, 300, 40, 50, 60);
  classflow::ScanOptions s;
  s.root = d.path("root");
  auto ds = classflow::scan_dataset(*registry(), s);
  for (auto interpolation : {classflow::Interpolation::nearest, classflow::Interpolation::bilinear}) {
    for (bool keep : {false, true}) {
      classflow::LoaderOptions o;
      o.target_size = {3, 400};
      o.dtype = classflow::ImageDType::uint8;
      o.shuffle = false;
      o.interpolation = interpolation;
      o.keep_aspect_ratio = keep;
      classflow::DataLoader loader(registry(), ds, classflow::LabelSpec::resolve(*registry(), {}), o);
      auto b = loader.batch(0);
      REQUIRE(b.size() == 2);
      CHECK(b.images.shape == std::vector<int64_t>{2, 3, 400, 3});
      CHECK(b.images.as<uint8_t>()[0] == 40);  // sliver.png sorts first; its colour survives
      CHECK(b.images.as<uint8_t>()[3 * 400 * 3] == 10);
    }
  }
}

TEST_CASE("a FIFO or a device listed as an image is refused, not read forever", "[hostile][e2e]") {
  TempDir d;
  d.mkdir("root/a");
  classflow::test::solid_rgb_png(d.path("root/a/ok.png"), 8, 8, 1, 2, 3);
  REQUIRE(::mkfifo(d.path("root/a/fifo.png").c_str(), 0644) == 0);
  d.write_file("root/list.csv", "filename,class\na/ok.png,a\na/fifo.png,a\n/dev/zero,a\n");
  auto r = run_cli({"flow", d.path("root/list.csv"), "--no-validate-filenames", "--target-size", "8x8",
                    "--no-shuffle", "--on-error", "skip", "--format", "json"});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("\"images\": 1,"));
  CHECK_THAT(r.out, Contains("fifo.png\",\n      \"reason\": \"image file '") &&
                        Contains("' cannot be read (not a regular file); expected a readable image file"));
  CHECK_THAT(r.out, Contains("\"path\": \"/dev/zero\""));
}

namespace {
// root/a/1.png and root/b/2.png: the smallest labelled folder.
void two_class_root(const TempDir& d) {
  d.mkdir("root/a");
  d.mkdir("root/b");
  classflow::test::solid_rgb_png(d.path("root/a/1.png"), 8, 8, 1, 2, 3);
  classflow::test::solid_rgb_png(d.path("root/b/2.png"), 8, 8, 4, 5, 6);
}
}  // namespace

TEST_CASE("a FIFO, a device or a folder named as a state, weights, mapping or filenames file is refused, never read "
          "forever",
          "[hostile][e2e]") {
  TempDir d;
  two_class_root(d);
  REQUIRE(::mkfifo(d.path("fifo").c_str(), 0644) == 0);  // opening it to read blocks until a writer comes
  d.mkdir("folder");
  const std::vector<std::string> flow = {"flow", d.path("root"), "--target-size", "8x8"};
  const auto with = [&](std::vector<std::string> args, std::initializer_list<std::string> more) {
    args.insert(args.end(), more);
    return run_cli(args);
  };
  auto r = with(flow, {"--resume", d.path("fifo")});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "error: state file '" + d.path("fifo") +
                     "' is not a regular file; expected a file written by --save-state\n");
  r = with(flow, {"--resume", d.path("folder")});
  CHECK(r.err == "error: state file '" + d.path("folder") + "' is a folder; expected a file written by --save-state\n");
  r = with(flow, {"--sampling", "weights:/dev/zero"});
  CHECK(r.exit_code == 3);
  CHECK(r.err == "error: sampling weights file '/dev/zero' is not a regular file; expected JSON {\"class name\": "
                 "weight} for every class, or a list of one weight per sample in filenames order\n");
  r = with(flow, {"--class-indices", d.path("fifo")});
  CHECK(r.exit_code == 3);
  CHECK(r.err == "error: mapping file '" + d.path("fifo") +
                     "' is not a regular file; expected a class_indices.json saved with --save-class-indices or "
                     "save_class_indices()\n");

  REQUIRE(run_cli({"scan", d.path("root"), "--save-class-indices", d.path("map.json")}).exit_code == 0);
  d.write_file("p.csv", "0.9,0.1\n0.2,0.8\n");
  r = run_cli({"decode", "--class-indices", d.path("map.json"), d.path("p.csv"), "--filenames", d.path("fifo")});
  CHECK(r.exit_code == 3);
  CHECK(r.err == "error: filenames file '" + d.path("fifo") +
                     "' is not a regular file; expected a list with one file per line (e.g. the filenames.txt of "
                     "--export)\n");
  r = run_cli({"decode", "--class-indices", d.path("map.json"), d.path("p.csv"), "--filenames", d.path("folder")});
  CHECK(r.err == "error: filenames file '" + d.path("folder") +
                     "' is a folder; expected a list with one file per line (e.g. the filenames.txt of --export)\n");
  d.write_file("names.txt", "a/1.png\nb/2.png\n");  // a final newline ends the last name
  r = run_cli({"decode", "--class-indices", d.path("map.json"), d.path("p.csv"), "--filenames", d.path("names.txt")});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("0,a/1.png,a") && Contains("1,b/2.png,b"));
  d.write_file("crlf.txt", "\xEF\xBB\xBF" "a/1.png\r\nb/2.png\r\n");  // as Windows Notepad saves it
  auto crlf = run_cli({"decode", "--class-indices", d.path("map.json"), d.path("p.csv"), "--filenames", d.path("crlf.txt")});
  CHECK(crlf.out == r.out);

  // Far larger than any state (a sparse file: nothing is read), an empty path (an unset variable).
  {
    std::ofstream(d.path("huge.json")).close();
    std::filesystem::resize_file(d.path("huge.json"), (std::uintmax_t{16} << 20) + 1);
  }
  r = with(flow, {"--resume", d.path("huge.json")});
  CHECK(r.err == "error: state file '" + d.path("huge.json") +
                     "' holds more than the 16777216 bytes allowed; expected a file written by --save-state\n");
  r = with(flow, {"--resume", ""});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, StartsWith("--resume: an empty path; expected a file or folder name"));
  r = with(flow, {"--resume", d.path("missing.json")});
  CHECK(r.err == "error: state file '" + d.path("missing.json") +
                     "' does not exist; expected a file written by --save-state\n");
}

TEST_CASE("JSON a user gives is checked: no key twice, no deep nesting, and an error never quotes the file",
          "[hostile][e2e]") {
  TempDir d;
  two_class_root(d);
  d.write_file("dup.json", R"({"a": 1, "b": 2, "a": 3})");  // the last 'a' would silently win
  auto r = run_cli({"flow", d.path("root"), "--target-size", "8x8", "--sampling", "weights:" + d.path("dup.json")});
  CHECK(r.exit_code == 3);
  CHECK(r.err == "error: sampling weights file '" + d.path("dup.json") +
                     "' has the key 'a' twice; expected JSON {\"class name\": weight} for every class, or a list of one "
                     "weight per sample in filenames order\n");
  r = run_cli({"scan", d.path("root"), "--class-indices", d.path("dup.json")});
  CHECK(r.err == "error: mapping file '" + d.path("dup.json") +
                     "' has the key 'a' twice; expected a class_indices.json written by classflow, a Keras "
                     "class_indices dict or a class_names list\n");
  d.write_file("secret.json", "\"token=hunter2\n");
  r = run_cli({"scan", d.path("root"), "--class-indices", d.path("secret.json")});
  CHECK(r.err == "error: mapping file '" + d.path("secret.json") +
                     "' is not valid JSON (line 2, column 0: syntax error while parsing value - invalid string: control "
                     "character U+000A (LF) must be escaped to \\u000A or \\n); expected a class_indices.json written "
                     "by classflow, a Keras class_indices dict or a class_names list\n");
  d.write_file("nul.json", std::string("{\"a\": 0,\0 \"b\": 1}", 17));
  r = run_cli({"scan", d.path("root"), "--class-indices", d.path("nul.json")});
  CHECK(r.err == "error: mapping file '" + d.path("nul.json") +
                     "' holds a NUL byte at byte 8, which JSON text never has; expected a class_indices.json written "
                     "by classflow, a Keras class_indices dict or a class_names list\n");
  d.write_file("deep.json", std::string(100000, '['));
  r = run_cli({"flow", d.path("root"), "--target-size", "8x8", "--resume", d.path("deep.json")});
  CHECK(r.err == "error: state file '" + d.path("deep.json") +
                     "' nests deeper than 4 levels; expected a file written by --save-state or state_dict()\n");
}

TEST_CASE(
    "a sampling weights file that cannot be used fails before the scan, one that does not fit the classes "
    "after it",
    "[hostile][e2e]") {
  TempDir d;
  two_class_root(d);
  const std::vector<std::string> flow = {"flow", d.path("root"), "--target-size", "8x8", "--sampling"};
  const auto with = [&](const std::string& weights) {
    auto args = flow;
    args.push_back("weights:" + d.path(weights));
    return run_cli(args);
  };
  d.write_file("text.json", "a: 1");
  auto r = with("text.json");
  CHECK(r.exit_code == 3);
  CHECK(r.out.empty());  // no "Found 2 images" summary: the walk never started
  CHECK_THAT(r.err, StartsWith("error: sampling weights file '" + d.path("text.json") + "' is not valid JSON (line 1"));
  d.write_file("negative.json", R"({"a": 1, "b": -2})");
  r = with("negative.json");
  CHECK(r.out.empty());
  CHECK(r.err == "error: sampling weights file '" + d.path("negative.json") +
                     "' gives class 'b' the weight -2, not a finite number >= 0; expected JSON {\"class name\": "
                     "weight} for every class, or a list of one weight per sample in filenames order\n");
  r = with("missing.json");
  CHECK(r.out.empty());
  CHECK_THAT(r.err, StartsWith("error: sampling weights file '" + d.path("missing.json") + "' does not exist;"));
  // Well formed but for other classes: known only once the walk has found the classes.
  d.write_file("other.json", R"({"a": 1, "c": 2})");
  r = with("other.json");
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.out, Contains("Found 2 images belonging to 2 classes."));
  CHECK(r.err == "error: sampling weights file '" + d.path("other.json") +
                     "' names classes this data does not have: c; expected JSON {\"class name\": weight} for every "
                     "class, or a list of one weight per sample in filenames order\n");
  d.write_file("ok.json", R"({"a": 0, "b": 2})");
  r = with("ok.json");
  CHECK(r.exit_code == 0);
}

TEST_CASE("a state or mapping output (--save-state, --save-class-indices) never writes over one of the dataset's images", "[hostile][e2e]") {
  TempDir d;
  two_class_root(d);
  const auto bytes_of = [&](const std::string& rel) {
    std::ifstream in(d.path(rel), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string before = bytes_of("root/a/1.png");
  auto r = run_cli({"flow", d.path("root"), "--target-size", "8x8", "--save-state", d.path("root/a/../a/1.png")});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("error: state file '" + d.path("root/a/../a/1.png") + "' is image 'a/1.png' of root '" +
                             d.path("root") + "'; expected a path that is not part of the dataset"));
  r = run_cli({"scan", d.path("root"), "--save-class-indices", d.path("root/a/1.png")});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("error: mapping file '" + d.path("root/a/1.png") + "' is image 'a/1.png'"));
  CHECK(bytes_of("root/a/1.png") == before);
  CHECK(run_cli({"scan", d.path("root"), "--save-class-indices", d.path("root/map.json")}).exit_code == 0);
}

TEST_CASE("control characters in names are escaped in text output, filenames.txt has one line per file",
          "[hostile][e2e][output]") {
  TempDir d;
  const std::string evil = "ev\x1b[2Jil";  // an ANSI 'clear screen' in a class name
  d.mkdir("root/" + evil);
  d.mkdir("root/ok");
  classflow::test::solid_rgb_png(d.path("root/" + evil + "/a\nb.png"), 8, 8, 1, 2, 3);
  classflow::test::solid_rgb_png(d.path("root/ok/c\\d.png"), 8, 8, 1, 2, 3);
  auto scan = run_cli({"scan", d.path("root")});
  REQUIRE(scan.exit_code == 0);
  CHECK_THAT(scan.out, Contains("      0  ev\\x1b[2Jil        1        1.0000\n"));
  CHECK(scan.out.find('\x1b') == std::string::npos);
  auto flow = run_cli({"flow", d.path("root"), "--target-size", "4x4", "--export", d.path("out")});
  REQUIRE(flow.exit_code == 0);
  std::ifstream names(d.path("out/filenames.txt"));
  std::stringstream text;
  text << names.rdbuf();
  CHECK(text.str() == "ev\\x1b[2Jil/a\\x0ab.png\nok/c\\\\d.png\n");
}

TEST_CASE("preview draws UTF-8 class names with real fonts and says when a character has no glyph",
          "[preview][e2e]") {
  TempDir d;
  for (const std::string cls : {"caf\xc3\xa9", "\xe7\x8c\xab", "\xc3\x9cn\xc3\xaf"}) {  // café, 猫, Ünï
    d.mkdir("root/" + cls);
    classflow::test::solid_rgb_png(d.path("root/" + cls + "/1.png"), 8, 8, 50, 60, 70);
  }
  auto drawn = run_cli({"preview", d.path("root"), "--target-size", "8x8", "-o", d.path("p.png")});
  CHECK(drawn.exit_code == 0);
  CHECK(drawn.err.empty());  // every character had a glyph
  // A private-use character no font covers: drawn as a box, and said.
  d.mkdir("other/\xee\x80\x80");
  classflow::test::solid_rgb_png(d.path("other/\xee\x80\x80/1.png"), 8, 8, 50, 60, 70);
  auto missing = run_cli({"preview", d.path("other"), "--target-size", "8x8", "-o", d.path("q.png")});
  CHECK(missing.exit_code == 0);
  CHECK_THAT(missing.err, StartsWith("warning: ") && Contains("have no glyph in the installed fonts"));
}

TEST_CASE("a class folder whose name differs from a saved one only by Unicode normalisation is named as such",
          "[hostile][e2e]") {
  TempDir d;
  const std::string nfc = "caf\xC3\xA9", nfd = "cafe\xCC\x81";  // both print as café
  for (const auto& [root, name] : {std::pair{"nfc", nfc}, std::pair{"nfd", nfd}}) {
    d.mkdir(std::string(root) + "/" + name);
    d.mkdir(std::string(root) + "/dog");
    classflow::test::solid_rgb_png(d.path(std::string(root) + "/" + name + "/1.png"), 8, 8, 1, 2, 3);
    classflow::test::solid_rgb_png(d.path(std::string(root) + "/dog/2.png"), 8, 8, 4, 5, 6);
  }
  REQUIRE(run_cli({"scan", d.path("nfc"), "--save-class-indices", d.path("m.json")}).exit_code == 0);
  auto r = run_cli({"scan", d.path("nfd"), "--class-indices", d.path("m.json")});
  CHECK(r.exit_code == 3);
  CHECK(r.err == "error: classes '" + nfd + "' in '" + d.path("nfd") + "' are not in the saved class indices (" + nfc +
                     ", dog); expected only classes of the saved mapping: remove those folders, or rescan the training "
                     "data and save a new mapping (a name spells an accent as a separate combining mark (Unicode "
                     "NFD), as macOS writes names; if a folder looks like a saved class, make both NFC, e.g. convmv "
                     "-r --nfc -f utf8 -t utf8 --notest on the folders)\n");
  // The other way round: the saved mapping holds the combining mark.
  REQUIRE(run_cli({"scan", d.path("nfd"), "--save-class-indices", d.path("d.json")}).exit_code == 0);
  r = run_cli({"scan", d.path("nfc"), "--class-indices", d.path("d.json")});
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Contains("(Unicode NFD)"));
  // Names without combining marks get no such note.
  d.mkdir("plain/cat");
  classflow::test::solid_rgb_png(d.path("plain/cat/3.png"), 8, 8, 7, 8, 9);
  r = run_cli({"scan", d.path("plain"), "--class-indices", d.path("m.json")});
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, !Contains("NFD"));
}

TEST_CASE("a saved mapping's hidden class is not read unless named, and the warning says how", "[hostile][e2e]") {
  TempDir d;
  d.mkdir("root/.h");
  d.mkdir("root/a");
  classflow::test::solid_rgb_png(d.path("root/.h/1.png"), 8, 8, 1, 2, 3);
  classflow::test::solid_rgb_png(d.path("root/a/2.png"), 8, 8, 4, 5, 6);
  d.write_file("m.json", R"({".h": 0, "a": 1})");
  auto r = run_cli({"scan", d.path("root"), "--class-indices", d.path("m.json")});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, Contains("warning: classes of the saved mapping not present in '" + d.path("root") +
                             "': .h (indices kept); a name starting with '.' is a hidden folder, read only when named "
                             "in classes (--classes) or with --source-opt include_hidden=1\n"));
  CHECK_THAT(r.out, Contains("Found 1 images belonging to 2 classes."));
  r = run_cli({"scan", d.path("root"), "--class-indices", d.path("m.json"), "--source-opt", "include_hidden=1"});
  CHECK(r.err.empty());
  CHECK_THAT(r.out, Contains("Found 2 images belonging to 2 classes."));
}
