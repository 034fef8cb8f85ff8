// Fixture: the usual mistake of defining the entry point without CF_PLUGIN_EXPORT. Symbols are
// hidden by default, so this valid library exports nothing and the host must refuse it by name.
#include <classflow/sdk/abi.h>

extern "C" const cf_plugin_descriptor* classflow_plugin_entry_v1(void) { return nullptr; }
