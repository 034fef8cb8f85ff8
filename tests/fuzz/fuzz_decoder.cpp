// libFuzzer target: one decoder plugin's plan + decode on arbitrary bytes, called through its
// vtable exactly as the core's image pipeline calls it (CLASSFLOW_FUZZ_DECODER names it). A
// crash, a leak, a sanitizer report or a hang here is a bug in that plugin.
#include <classflow/error.hpp>
#include <classflow/registry.hpp>

#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string>
#include <vector>

namespace {
const classflow::DecoderEntry& decoder() {
  static const classflow::Registry registry(classflow::RegistryOptions{{}, false, true});
  for (const auto& d : registry.decoders())
    if (std::string(d.vtable->name) == CLASSFLOW_FUZZ_DECODER) return d;
  std::fprintf(stderr, "fuzz: decoder '%s' is not loaded\n", CLASSFLOW_FUZZ_DECODER);
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const cf_decoder_vtable* v = decoder().vtable;
  (void)v->sniff(data, size < 64 ? size : 64);
  cf_decode_request req{};
  req.struct_size = sizeof(req);
  req.apply_orientation = 1;
  // The last byte asks for a minimum size, so DCT-scaled decoding is explored too.
  const int min_side = size > 0 ? data[size - 1] : 0;
  req.min_width = min_side;
  req.min_height = min_side;
  cf_image_info info{};
  info.struct_size = sizeof(info);
  cf_status st{};
  st.struct_size = sizeof(st);
  if (v->plan(data, size, &req, &info, &st) != CF_OK) return 0;
  // The host refuses what is empty or too large (max_image_pixels, on the larger of the stored and
  // the output size) before it allocates. Here the limit is 32 Mpx: a progressive JPEG holds its
  // whole coefficient image in memory (~6 bytes per stored pixel at 4:4:4), and libFuzzer stops at
  // 2 GB RSS (found: a 11992x65326 progressive JPEG decoded at 1/8 scale).
  if (info.out_width < 1 || info.out_height < 1 || info.out_channels < 1 || info.out_channels > 4) return 0;
  if (static_cast<int64_t>(info.width) * info.height > (int64_t{32} << 20)) return 0;
  const std::size_t sample = info.out_dtype == CF_DTYPE_UINT16 ? 2 : 1;
  const std::size_t need = static_cast<std::size_t>(info.out_width) * info.out_height * info.out_channels * sample;
  if (need > (std::size_t{48} << 20)) return 0;
  std::vector<uint8_t> out(need);
  (void)v->decode(data, size, &req, &info, out.data(), out.size(), &st);
  return 0;
}
