/* Compiled as C99: abi.h must stay pure C. Checks a few layout facts the ABI promises. */
#include <classflow/sdk/abi.h>

#include <stdio.h>

int main(void) {
  cf_status status = {sizeof(cf_status), CF_OK, {0}};
  cf_encoder_vtable enc = {0};
  cf_plugin_descriptor d = {0};
  enc.struct_size = sizeof enc;
  d.struct_size = sizeof d;
  if (status.struct_size != sizeof(cf_status) || enc.struct_size == 0 || d.struct_size == 0) return 1;
  if (CF_ABI_VERSION_MAJOR != 1) return 2;
  printf("abi %d.%d ok\n", CF_ABI_VERSION_MAJOR, CF_ABI_VERSION_MINOR);
  return 0;
}
