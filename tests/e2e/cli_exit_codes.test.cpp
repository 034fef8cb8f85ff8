// Exit codes follow the README, the same for every plugin kind: a bad value is 2 (also one an
// encoder refuses), data is 3, a refused or failing plugin is 4 — and the message names it.
#include <catch2/catch.hpp>

#include "run_command.hpp"

#include <string>

using classflow::test::run_cli;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {
const std::string kDigits = std::string(CLASSFLOW_SOURCE_DIR) + "/examples/data/digits";
const std::string kBroken = CLASSFLOW_BROKEN_PLUGIN_DIR;
}  // namespace

TEST_CASE("exit 2: bad values, whoever checks them", "[cli][e2e][errors]") {
  auto smoothing = run_cli({"scan", kDigits, "--encoder-opt", "label_smoothing=2"});
  CHECK(smoothing.exit_code == 2);
  CHECK(smoothing.err ==
        "error: option 'label_smoothing' value '2' is out of range; expected 0 <= label_smoothing < 1\n");
  auto mode = run_cli({"scan", kDigits, "--class-mode", "onehot"});
  CHECK(mode.exit_code == 2);
  CHECK(mode.err ==
        "error: unknown class_mode 'onehot'; expected one of: binary, categorical, input, multi_hot, none, raw, "
        "sparse\n");
  auto source = run_cli({"scan", kDigits, "--source", "nosuch"});
  CHECK(source.exit_code == 2);
  CHECK(source.err == "error: unknown source 'nosuch'; expected one of: csv, directory\n");
  // Loader options are checked before the scan: nothing is printed before the error.
  auto batch = run_cli({"flow", kDigits, "--batch-size", "-1"});
  CHECK(batch.exit_code == 2);
  CHECK(batch.out.empty());
  CHECK(batch.err == "error: batch_size '-1' is out of range; expected >= 1\n");
  auto huge = run_cli({"flow", kDigits, "--target-size", "60000x60000", "--batch-size", "10"});
  CHECK(huge.exit_code == 2);
  CHECK_THAT(huge.err, StartsWith("error: batch_size 10 of 60000x60000 images needs 402.3 GiB per batch, 1207.0 GiB "
                                  "for the 3 batches in flight, more than this machine's "));
  auto sparse = run_cli({"flow", kDigits, "--class-mode", "sparse", "--encoder-opt", "dtype=float32"});
  CHECK(sparse.exit_code == 2);
  CHECK(sparse.err == "error: option 'dtype' value 'float32' is unknown; expected one of: int32, int64\n");
}

TEST_CASE("exit 3: the classes do not fit the class_mode", "[cli][e2e][errors]") {
  auto binary = run_cli({"scan", kDigits, "--class-mode", "binary"});
  CHECK(binary.exit_code == 3);
  CHECK(binary.err ==
        "error: class_mode 'binary' needs exactly 2 classes; found 10: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9; "
        "expected 2: choose two with classes=[...] (--classes A,B), or class_mode 'categorical'\n");
}

TEST_CASE("exit 4: a refused plugin is named with why, a failing one with its call", "[cli][e2e][errors]") {
  auto refused = run_cli({"scan", kDigits, "--class-mode", "wrongabi", "--plugin-dir", kBroken + "/wrong_abi"});
  CHECK(refused.exit_code == 4);
  CHECK_THAT(refused.err, StartsWith("error: class_mode 'wrongabi' is not available: its plugin '") &&
                              Contains("classflow_encoder_wrongabi.so' was refused: wrong ABI major version: got 2, "
                                       "expected 1"));
  auto throwing = run_cli({"flow", kDigits, "--target-size", "8x8", "--class-mode", "throwing", "--plugin-dir",
                           kBroken + "/throwing"});
  CHECK(throwing.exit_code == 4);
  CHECK_THAT(throwing.err, StartsWith("error: encoder 'throwing' (plugin '") &&
                               Contains("classflow_encoder_throwing.so') failed in encode: boom"));
}

TEST_CASE("subset both on the CLI: one walk, one mapping", "[cli][e2e][split]") {
  auto r = run_cli({"scan", kDigits, "--validation-split", "0.25", "--subset", "both", "--classes", "8,3",
                    "--class-mode", "binary"});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, StartsWith("== subset training\nFound 269 images belonging to 2 classes.\n") &&
                        Contains("== subset validation\nFound 88 images belonging to 2 classes.\n") &&
                        Contains("binary: label 1.0 = class '3' (index 1); label 0.0 = class '8' (index 0)\n"));
}
