// Fixture: a descriptor claiming ABI major 2. The host must refuse it before calling register
// ("got 2, expected 1"), so the encoder `wrongabi` must never appear.
#include "fixture_encoder.hpp"

static_assert(CF_ABI_VERSION_MAJOR != 2, "the fixture needs a major the host does not have");

// Written by hand: CLASSFLOW_PLUGIN would stamp the host's own version.
extern "C" CF_PLUGIN_EXPORT const cf_plugin_descriptor* classflow_plugin_entry_v1(void) {
  static const cf_plugin_descriptor descriptor = {
      sizeof(cf_plugin_descriptor), 2, CF_ABI_VERSION_MINOR, "classflow_encoder_wrongabi",
      "0.0.0", "MIT", "fixture: ABI major 2",
      &classflow::sdk::detail::register_thunk<&classflow::fixtures::register_wrongabi>};
  return &descriptor;
}
