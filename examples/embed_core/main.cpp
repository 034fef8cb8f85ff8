// embed_core: scans a labelled folder with the classflow core and prints its class mapping.
//   usage: embed_core FOLDER
// Output: Keras' "Found N images belonging to K classes." line, then one `index name count`
// line per class, in index order.
#include <classflow/dataset.hpp>
#include <classflow/error.hpp>
#include <classflow/registry.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: embed_core FOLDER\n";
    return 2;
  }
  try {
    // Default search path: CLASSFLOW_PLUGIN_PATH, then the plugins installed with the core.
    const classflow::Registry registry;
    classflow::ScanOptions options;
    options.root = argv[1];
    const classflow::Dataset dataset = classflow::scan_dataset(registry, options);

    std::cout << dataset.found_message() << '\n';
    const auto counts = dataset.class_counts();
    for (int32_t i = 0; i < dataset.class_index.size(); ++i)
      std::cout << i << ' ' << dataset.class_index.name_of(i) << ' ' << counts[i] << '\n';
    return 0;
  } catch (const classflow::Error& e) {
    std::cerr << "embed_core: " << e.what() << '\n';
    return e.exit_code();
  }
}
