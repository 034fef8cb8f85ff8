// libFuzzer target: the `decode` predictions reader (CSV, tabs, semicolons, savetxt blanks, .npy).
// Only classflow::DataError may come out.
#include <classflow/error.hpp>
#include <classflow/predictions.hpp>

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    (void)classflow::parse_predictions(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.csv");
  } catch (const classflow::DataError&) {
  }
  return 0;
}
