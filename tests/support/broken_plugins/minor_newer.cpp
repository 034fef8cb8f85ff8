// Fixture: a descriptor built against a newer ABI minor than the host's. It may rely on fields
// the host does not know, so the host must refuse it; the encoder `minornewer` must never appear.
#include "fixture_encoder.hpp"

// Written by hand: CLASSFLOW_PLUGIN would stamp the host's own version.
extern "C" CF_PLUGIN_EXPORT const cf_plugin_descriptor* classflow_plugin_entry_v1(void) {
  static const cf_plugin_descriptor descriptor = {
      sizeof(cf_plugin_descriptor), CF_ABI_VERSION_MAJOR, CF_ABI_VERSION_MINOR + 1,
      "classflow_encoder_minornewer", "0.0.0", "MIT", "fixture: ABI minor newer than the host",
      &classflow::sdk::detail::register_thunk<&classflow::fixtures::register_minornewer>};
  return &descriptor;
}
