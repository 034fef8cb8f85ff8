// Counter-based random numbers for augmentation: Philox-4x64-10 (Random123, the generator NumPy
// ships as numpy.random.Philox) keyed by the seed, counting over (block, sample, epoch,
// transform position). A sample's draws are a pure function of those numbers: the same whatever
// thread, batch size, worker count or resume point produces it. Private to the core.
#pragma once

#include <classflow/sdk/abi.h>

#include <Random123/philox.h>

#include <cstdint>

namespace classflow::detail {

/// The stream of one transform applied to one sample. Its first 64-bit words equal
/// numpy.random.Philox(key=[seed, kStreamKey], counter=[0, sample, epoch, position]).random_raw():
/// NumPy, like this stream, increments the first counter word before each block of four.
class PhiloxStream {
 public:
  /// Second key word: tells classflow's augmentation streams apart from any other use of a seed.
  static constexpr uint64_t kStreamKey = 0x636c617373666c6fULL;  // "classflo"

  PhiloxStream(uint64_t seed, uint64_t epoch, uint64_t sample, uint64_t position) {
    key_.v[0] = seed;
    key_.v[1] = kStreamKey;
    ctr_.v[0] = 0;
    ctr_.v[1] = sample;
    ctr_.v[2] = epoch;
    ctr_.v[3] = position;
  }
  uint64_t next() {
    if (used_ == 4) {
      ++ctr_.v[0];  // 2^64 blocks per stream: never wraps in practice
      block_ = gen_(ctr_, key_);
      used_ = 0;
    }
    return block_.v[used_++];
  }
  /// This stream as the ABI's cf_random (valid while the stream lives).
  cf_random as_c() {
    cf_random r{};
    r.struct_size = sizeof(r);
    r.context = this;
    r.next_u64 = [](void* self) { return static_cast<PhiloxStream*>(self)->next(); };
    return r;
  }

 private:
  r123::Philox4x64 gen_;  // 10 rounds, as NumPy
  r123::Philox4x64::key_type key_{};
  r123::Philox4x64::ctr_type ctr_{};
  r123::Philox4x64::ctr_type block_{};
  int used_ = 4;
};

}  // namespace classflow::detail
