// libFuzzer target: the mapping-file reader on arbitrary text (every accepted form: classflow
// file, Keras / torchvision dict, Keras 3 list). Only classflow::DataError may come out.
#include <classflow/error.hpp>
#include <classflow/mapping_file.hpp>

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto m = classflow::mapping_from_json(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
    (void)classflow::mapping_to_json(m);  // what loads must save again
  } catch (const classflow::DataError&) {
  }
  return 0;
}
