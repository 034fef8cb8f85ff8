// Batch memory: 64-byte aligned, large buffers as their own mappings (see UninitializedAllocator).
#include <classflow/batch.hpp>

#include <sys/mman.h>

#include <cstdint>
#include <new>

namespace classflow::detail {

namespace {
// From 64 KiB up, buffers are mappings of their own, faulted in by one call: on a VM a page
// fault costs ~12 us per 4 KiB page here, a populated mapping ~1 us (first batches, first image
// of each worker, scratch buffers that grow).
constexpr std::size_t kMapFrom = std::size_t{64} << 10;
constexpr std::size_t kHuge = std::size_t{2} << 20;
constexpr std::align_val_t kAlign{64};
}  // namespace

void* allocate_tensor_bytes(std::size_t bytes) {
  if (bytes < kMapFrom) return ::operator new(bytes == 0 ? 1 : bytes, kAlign);
  if (bytes < kHuge) {
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return p;
  }
  // A batch is written image by image across its whole span; with 4 KiB pages that is a TLB miss
  // every 4 KiB (two-level page walks under virtualisation), which made the store stage cost
  // ~3x a plain copy. So: a 2 MiB-aligned mapping the kernel may back with huge pages
  // (MADV_HUGEPAGE; only a hint, honoured when transparent huge pages are enabled or madvise).
  const std::size_t span = bytes + kHuge;
  void* raw = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto base = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t aligned = (base + kHuge - 1) & ~(kHuge - 1);
  const std::size_t head = aligned - base, tail = span - head - bytes;
  if (head > 0) ::munmap(raw, head);
  if (tail > 0) ::munmap(reinterpret_cast<void*>(aligned + bytes), tail);
  void* p = reinterpret_cast<void*>(aligned);
  // Not populated here: a huge page is one fault per 2 MiB, taken by the worker that first
  // stores into it, so the workers start decoding at once instead of waiting for one thread
  // to zero (and the kernel perhaps to compact) the whole batch up front.
  if (::madvise(p, bytes, MADV_HUGEPAGE) != 0) {
#ifdef MADV_POPULATE_WRITE
    // No huge pages here: fault the 4 KiB pages in by one call (one trap per page is ~12 us).
    ::madvise(p, bytes, MADV_POPULATE_WRITE);
#endif
  }
  return p;
}

void free_tensor_bytes(void* p, std::size_t bytes) noexcept {
  if (p == nullptr) return;
  if (bytes < kMapFrom) {
    ::operator delete(p, kAlign);
    return;
  }
  ::munmap(p, bytes);
}

}  // namespace classflow::detail
