#include "decode_helpers.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>

namespace classflow::test {

const Registry& builtin_registry() {
  static const Registry reg(RegistryOptions{{}, false, true});
  return reg;
}

cf_decode_request decode_request(int min_width, int min_height, bool apply_orientation, bool keep_16bit) {
  return cf_decode_request{sizeof(cf_decode_request), min_width, min_height, apply_orientation ? 1 : 0,
                           keep_16bit ? 1 : 0};
}

int DecodeResult::sample(std::size_t i) const {
  if (info.out_dtype != CF_DTYPE_UINT16) return bytes[i];
  uint16_t v = 0;
  std::memcpy(&v, bytes.data() + 2 * i, 2);
  return v;
}

std::vector<int> DecodeResult::samples() const {
  std::vector<int> all(bytes.size() / (info.out_dtype == CF_DTYPE_UINT16 ? 2 : 1));
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = sample(i);
  return all;
}

DecodeResult run_decoder(const cf_decoder_vtable* vtable, const Bytes& data, const cf_decode_request& req,
                         bool run_decode) {
  DecodeResult d;
  d.decoder = vtable->name;
  cf_status status{sizeof(cf_status), 0, {0}};
  d.info.struct_size = sizeof(cf_image_info);
  d.code = vtable->plan(data.data(), data.size(), &req, &d.info, &status);
  d.message = status.message;
  if (d.code != CF_OK || !run_decode) return d;
  d.bytes.resize(static_cast<std::size_t>(d.info.out_width) * d.info.out_height * d.info.out_channels *
                 (d.info.out_dtype == CF_DTYPE_UINT16 ? 2 : 1));
  d.code = vtable->decode(data.data(), data.size(), &req, &d.info, d.bytes.data(), d.bytes.size(), &status);
  d.message = status.message;
  return d;
}

DecodeResult decode(const Bytes& data, const cf_decode_request& req, bool run_decode) {
  const DecoderEntry* entry = builtin_registry().decoder_for(data.data(), std::min<std::size_t>(data.size(), 64));
  REQUIRE(entry != nullptr);
  return run_decoder(entry->vtable, data, req, run_decode);
}

const DecoderEntry& decoder_named(const std::string& name) {
  const auto& all = builtin_registry().decoders();
  const auto it = std::find_if(all.begin(), all.end(), [&](const DecoderEntry& d) { return name == d.vtable->name; });
  REQUIRE(it != all.end());
  return *it;
}

}  // namespace classflow::test
