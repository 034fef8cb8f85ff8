// Shards (PyTorch DistributedSampler semantics): every shard sees the same epoch permutation and
// takes every W-th index from its rank; the remainder is padded from the start or dropped.
// Includes the multi-rank run under Open MPI's mpirun.
#include <catch2/catch.hpp>

#include <classflow/classflow.hpp>

#include "image_writer.hpp"
#include "run_command.hpp"
#include "temp_tree.hpp"

#include <boost/process/search_path.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <set>

using classflow::DataLoader;
using classflow::test::TempDir;
using nlohmann::json;

namespace {

std::shared_ptr<const classflow::Registry> registry() {
  static auto r = std::make_shared<const classflow::Registry>();
  return r;
}

void make_tree(const TempDir& d, int n) {
  for (int i = 0; i < n; ++i) {
    std::string cls = i % 2 ? "odd" : "even";
    d.mkdir("root/" + cls);
    classflow::test::solid_rgb_png(d.path("root/" + cls + "/" + std::to_string(i) + ".png"), 4, 4,
                                   static_cast<uint8_t>(i), 0, 0);
  }
}

DataLoader shard(const TempDir& d, int32_t id, int32_t w, classflow::ShardRemainder rem) {
  classflow::ScanOptions s;
  s.root = d.path("root");
  classflow::LoaderOptions o;
  o.target_size = {4, 4};
  o.batch_size = 3;
  o.seed = 11;
  o.num_shards = w;
  o.shard_id = id;
  o.shard_remainder = rem;
  return DataLoader(registry(), classflow::scan_dataset(*registry(), s), classflow::LabelSpec::resolve(*registry(), {}),
                    o);
}

}  // namespace

TEST_CASE("shards: same permutation, every W-th index, pad repeats the start", "[shards][e2e]") {
  TempDir d;
  make_tree(d, 10);
  // NumPy RandomState(11).permutation(10) = [7 8 2 6 4 5 1 3 0 9]; padded to 12 with 7, 8.
  const std::vector<std::vector<int64_t>> pad = {{7, 6, 1, 9}, {8, 4, 3, 7}, {2, 5, 0, 8}};
  for (int32_t r = 0; r < 3; ++r) {
    auto loader = shard(d, r, 3, classflow::ShardRemainder::pad);
    CHECK(loader.shard_size() == 4);
    CHECK(loader.num_batches() == 2);
    CHECK(loader.epoch_order(0) == pad[static_cast<std::size_t>(r)]);
    CHECK(loader.class_index().class_names() == std::vector<std::string>{"even", "odd"});
  }
  const std::vector<std::vector<int64_t>> drop = {{7, 6, 1}, {8, 4, 3}, {2, 5, 0}};
  std::set<int64_t> all;
  for (int32_t r = 0; r < 3; ++r) {
    auto loader = shard(d, r, 3, classflow::ShardRemainder::drop);
    CHECK(loader.shard_size() == 3);
    CHECK(loader.epoch_order(0) == drop[static_cast<std::size_t>(r)]);
    auto e1 = loader.epoch_order(1);
    all.insert(e1.begin(), e1.end());
  }
  CHECK(all.size() == 9);  // epoch 1: disjoint shards, one dropped sample
  CHECK_THROWS_WITH(shard(d, 3, 3, classflow::ShardRemainder::pad),
                    "shard_id '3' of num_shards '3' is out of range; expected 0 <= shard_id < num_shards");
}

TEST_CASE("shards: RANK/WORLD_SIZE, then Open MPI's variables, are read from the environment", "[shards]") {
  ::unsetenv("RANK");
  ::unsetenv("WORLD_SIZE");
  ::setenv("OMPI_COMM_WORLD_RANK", "2", 1);
  ::setenv("OMPI_COMM_WORLD_SIZE", "4", 1);
  CHECK(classflow::shard_from_environment() == std::array<int32_t, 2>{2, 4});
  ::setenv("RANK", "1", 1);
  ::setenv("WORLD_SIZE", "8", 1);
  CHECK(classflow::shard_from_environment() == std::array<int32_t, 2>{1, 8});
  ::setenv("RANK", "x", 1);
  CHECK_THROWS_WITH(classflow::shard_from_environment(),
                    "environment variable RANK='x' is not a valid number; expected an integer >= 0");
  for (const char* v : {"RANK", "WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"}) ::unsetenv(v);
  CHECK_FALSE(classflow::shard_from_environment().has_value());
}

TEST_CASE("shards under mpirun -np 3: union is the epoch, overlaps only the padding, exact has none",
          "[shards][mpi][e2e]") {
  auto mpirun = boost::process::search_path("mpirun");
  if (mpirun.empty()) {
    WARN("mpirun not found: the multi-rank shard test is skipped (scripts/install-deps installs openmpi-bin)");
    return;
  }
  TempDir d;
  make_tree(d, 10);
  for (std::string remainder : {"pad", "drop", "exact"}) {
    d.mkdir("out-" + remainder);
    // Each rank writes its own JSON; the rank comes from Open MPI's environment, not from flags.
    auto r = classflow::test::run_command(
        {mpirun.string(), "--oversubscribe", "-np", "3", "--mca", "btl", "self,tcp", "--mca", "btl_tcp_if_include",
         "lo", "sh", "-c", "exec \"$0\" flow \"$1\" --target-size 4x4 --batch-size 3 --seed 11 --shard-remainder \"$2\" "
                           "--format json > \"$3/rank_$OMPI_COMM_WORLD_RANK.json\"",
         CLASSFLOW_CLI_PATH, d.path("root"), remainder, d.path("out-" + remainder)},
        {"OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1", "CLASSFLOW_PLUGIN_PATH="});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::vector<std::vector<int64_t>> parts;
    std::set<std::string> mappings;
    for (int rank = 0; rank < 3; ++rank) {
      std::ifstream in(d.path("out-" + remainder + "/rank_" + std::to_string(rank) + ".json"));
      json j = json::parse(in);
      CHECK(j["shard_id"] == rank);
      CHECK(j["num_shards"] == 3);
      mappings.insert(j["class_indices"].dump());
      parts.push_back(j["sample_indices"][0].get<std::vector<int64_t>>());
    }
    CHECK(mappings == std::set<std::string>{R"({"even":0,"odd":1})"});
    std::multiset<int64_t> all;
    for (const auto& p : parts) all.insert(p.begin(), p.end());
    if (remainder == "drop") {
      CHECK(all.size() == 9);
      CHECK(std::set<int64_t>(all.begin(), all.end()).size() == 9);  // pairwise disjoint
    } else if (remainder == "exact") {
      CHECK(all.size() == 10);  // every sample exactly once; shards of 4, 3 and 3
      for (int64_t i = 0; i < 10; ++i) CHECK(all.count(i) == 1u);
      CHECK(parts[0].size() == 4);
      CHECK(parts[2].size() == 3);
    } else {
      CHECK(all.size() == 12);
      CHECK(std::set<int64_t>(all.begin(), all.end()).size() == 10);  // the whole epoch
      // The only repeats are the padding: the first two of the permutation (7 and 8).
      for (int64_t i = 0; i < 10; ++i) CHECK(all.count(i) == (i == 7 || i == 8 ? 2u : 1u));
    }
  }
}

TEST_CASE("shards: SLURM and PMI ranks are read, a shard without batches is an error", "[shards][e2e]") {
  for (const char* v : {"RANK", "WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "SLURM_PROCID",
                        "SLURM_NTASKS", "PMI_RANK", "PMI_SIZE"})
    ::unsetenv(v);
  ::setenv("SLURM_PROCID", "1", 1);
  ::setenv("SLURM_NTASKS", "5", 1);
  CHECK(classflow::shard_from_environment() == std::optional<std::array<int32_t, 2>>({1, 5}));
  ::unsetenv("SLURM_PROCID");
  ::unsetenv("SLURM_NTASKS");
  ::setenv("PMI_RANK", "3", 1);
  ::setenv("PMI_SIZE", "4", 1);
  CHECK(classflow::shard_from_environment() == std::optional<std::array<int32_t, 2>>({3, 4}));
  ::unsetenv("PMI_RANK");
  ::unsetenv("PMI_SIZE");

  TempDir d;
  make_tree(d, 10);
  CHECK_THROWS_WITH(shard(d, 11, 12, classflow::ShardRemainder::exact),
                    "shard 11 of 12 gets 0 batches (10 samples, 0 per shard with shard_remainder exact, batch_size "
                    "3); expected fewer shards or a smaller batch_size");
  CHECK_THROWS_AS(shard(d, 0, 12, classflow::ShardRemainder::drop), classflow::UsageError);
  CHECK(shard(d, 2, 3, classflow::ShardRemainder::exact).epoch_order(0).size() == 3);
}
