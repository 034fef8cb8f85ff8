// Fixture (not broken): a plugin built for ABI 1.0, before transforms existed. ABI 1.1 only
// appended to the tables, so the host must load it unchanged; its encoder is `abione`.
#include "fixture_encoder.hpp"

namespace {
void register_abione(classflow::sdk::Registrar& registrar) {
  registrar.add_encoder<classflow::fixtures::FixtureEncoder>("abione", "fixture: built for ABI 1.0");
}
}  // namespace

// Written by hand: CLASSFLOW_PLUGIN would stamp the current minor.
extern "C" CF_PLUGIN_EXPORT const cf_plugin_descriptor* classflow_plugin_entry_v1(void) {
  static const cf_plugin_descriptor descriptor = {
      sizeof(cf_plugin_descriptor), 1, 0, "classflow_encoder_abione", "0.0.0", "MIT", "fixture: ABI 1.0",
      &classflow::sdk::detail::register_thunk<&register_abione>};
  return &descriptor;
}
