// Validation split (BR-15a) and one-walk scan_split, and a folder and its CSV listing giving the
// same batches.
#include <catch2/catch.hpp>

#include <classflow/classflow.hpp>

#include "image_writer.hpp"
#include "temp_tree.hpp"

#include <fmt/format.h>

#include <set>

using classflow::test::TempDir;

namespace {

std::shared_ptr<const classflow::Registry> registry() {
  static auto r = std::make_shared<const classflow::Registry>();
  return r;
}

void make_cats_dogs(const TempDir& d) {
  for (const char* cls : {"cats", "dogs"}) {
    d.mkdir(std::string("root/") + cls);
    for (int i = 0; i < 10; ++i)
      classflow::test::solid_rgb_png(d.path(fmt::format("root/{}/{}{:02d}.png", cls, cls[0], i)), 4, 4,
                                     static_cast<uint8_t>(i * 20), cls[0] == 'c' ? 0 : 255, 0);
  }
}

std::vector<std::string> validation_of(const TempDir& d, uint32_t seed) {
  classflow::ScanOptions o;
  o.root = d.path("root");
  o.validation_split = 0.2;
  o.subset = classflow::Subset::validation;
  o.seed = seed;
  return classflow::scan_dataset(*registry(), o).filenames();
}

}  // namespace

TEST_CASE("BR-15a: a seeded per-class split, 2 cats and 2 dogs, not the first files", "[split][e2e]") {
  TempDir d;
  make_cats_dogs(d);
  // NumPy: rng = RandomState(3); rng.permutation(10)[:2] = [5 4] for cats, then [3 8] for dogs.
  auto val = validation_of(d, 3);
  CHECK(val == std::vector<std::string>{"cats/c04.png", "cats/c05.png", "dogs/d03.png", "dogs/d08.png"});
  CHECK(validation_of(d, 3) == val);  // same seed, same membership
  CHECK(validation_of(d, 4) != val);  // another seed, another membership

  classflow::ScanOptions o;
  o.root = d.path("root");
  o.validation_split = 0.2;
  o.seed = 3;
  auto [train, valid] = classflow::scan_split(*registry(), o);
  CHECK(valid.filenames() == val);
  CHECK(train.num_samples() == 16);
  CHECK(train.class_index == valid.class_index);
  std::set<std::string> all;
  for (const auto& f : train.filenames()) all.insert(f);
  for (const auto& f : valid.filenames()) CHECK(all.insert(f).second);  // disjoint
  CHECK(all.size() == 20);                                               // and covering
  o.split_method = classflow::SplitMethod::head;  // Keras 1.x: the first files of each class
  CHECK(classflow::scan_split(*registry(), o).second.filenames() ==
        std::vector<std::string>{"cats/c00.png", "cats/c01.png", "dogs/d00.png", "dogs/d01.png"});
  o.validation_split = 0.0;
  CHECK_THROWS_WITH(classflow::scan_split(*registry(), o),
                    "validation_split '0' is out of range for subset 'both'; expected 0 < F < 1");
}

TEST_CASE("a folder and its CSV listing give the same mapping, filenames, labels and batches", "[split][csv][e2e]") {
  TempDir d;
  make_cats_dogs(d);
  std::string csv = "filename,class\n";
  classflow::ScanOptions dir_scan;
  dir_scan.root = d.path("root");
  auto dir_ds = classflow::scan_dataset(*registry(), dir_scan);
  for (std::size_t i = 0; i < dir_ds.samples.size(); ++i)
    csv += dir_ds.samples[i].path + "," + dir_ds.class_index.name_of(dir_ds.samples[i].class_ids[0]) + "\n";
  d.write_file("root/labels.csv", csv);
  classflow::ScanOptions csv_scan;
  csv_scan.root = d.path("root/labels.csv");
  auto csv_ds = classflow::scan_dataset(*registry(), csv_scan);
  CHECK(csv_ds.source == "csv");
  CHECK(csv_ds.class_index == dir_ds.class_index);
  CHECK(csv_ds.filenames() == dir_ds.filenames());
  CHECK(csv_ds.classes() == dir_ds.classes());

  classflow::LoaderOptions lo;
  lo.target_size = {4, 4};
  lo.batch_size = 6;
  lo.seed = 9;
  const auto labels = classflow::LabelSpec::resolve(*registry(), {"categorical", {}, {}});
  classflow::DataLoader a(registry(), dir_ds, labels, lo), b(registry(), csv_ds, labels, lo);
  REQUIRE(a.num_batches() == b.num_batches());
  for (int64_t i = 0; i < a.num_batches(); ++i) {
    auto x = a.batch(i, 1), y = b.batch(i, 1);
    CHECK(x.paths == y.paths);
    CHECK(x.labels.data == y.labels.data);
    CHECK(x.images.data == y.images.data);
  }
}
