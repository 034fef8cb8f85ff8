// libFuzzer target: the csv source plugin through scan_dataset, on an arbitrary labels file. The
// first byte picks the label layout (single, delimited, 0/1 columns, raw numbers, label-less,
// confined to a directory); the rest is the file. Only classflow errors may come out.
#include <classflow/dataset.hpp>
#include <classflow/error.hpp>
#include <classflow/registry.hpp>

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const classflow::Registry registry(classflow::RegistryOptions{{}, false, true});
  static const std::string dir = [] {
    std::string d = "/tmp/classflow-fuzz-csv-" + std::to_string(::getpid());
    std::string cmd = "mkdir -p " + d;
    if (std::system(cmd.c_str()) != 0) std::abort();
    return d;
  }();
  if (size == 0) return 0;
  const std::string path = dir + "/labels.csv";
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data + 1, 1, size - 1, f);
    std::fclose(f);
  } else {
    std::abort();
  }
  using Options = std::vector<std::pair<std::string, std::string>>;
  static const std::vector<Options> layouts = {
      {},
      {{"label_delimiter", "|"}},
      {{"y_cols", "a,b"}},
      {{"raw", "1"}, {"y_cols", "a,b"}},
      {{"labels", "0"}},
      {{"directory", "/tmp"}},
  };
  classflow::ScanOptions o;
  o.root = path;
  o.source = "csv";
  o.source_options = layouts[data[0] % layouts.size()];
  o.source_options.emplace_back("validate_filenames", "0");
  o.labels = data[0] % layouts.size() != 4;
  o.allow_empty = true;
  try {
    (void)classflow::scan_dataset(registry, o);
  } catch (const classflow::Error&) {
  }
  return 0;
}
