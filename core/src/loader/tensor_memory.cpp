// Batch memory: 64-byte aligned, large buffers as their own mappings (see UninitializedAllocator),
// and a reserve of batch buffers faulted in ahead of use (reserve_tensor_bytes).
#include <classflow/batch.hpp>

#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <system_error>
#include <thread>
#include <vector>

namespace classflow::detail {

namespace {
// From 64 KiB up, buffers are mappings of their own, faulted in by one call: on a VM a page
// fault costs ~12 us per 4 KiB page here, a populated mapping ~1 us (first batches, first image
// of each worker, scratch buffers that grow).
constexpr std::size_t kMapFrom = std::size_t{64} << 10;
constexpr std::size_t kHuge = std::size_t{2} << 20;
constexpr std::align_val_t kAlign{64};

// A batch is written image by image across its whole span; with 4 KiB pages that is a TLB miss
// every 4 KiB (two-level page walks under virtualisation), which made the store stage cost ~3x a
// plain copy. So: a 2 MiB-aligned mapping the kernel may back with huge pages (MADV_HUGEPAGE;
// only a hint, honoured when transparent huge pages are enabled or madvise). Not faulted in here:
// a huge page is one fault per 2 MiB, taken by the thread that first stores into it.
void* map_huge(std::size_t bytes) {
  const std::size_t span = bytes + kHuge;
  void* raw = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto base = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t aligned = (base + kHuge - 1) & ~(kHuge - 1);
  const std::size_t head = aligned - base, tail = span - head - bytes;
  if (head > 0) ::munmap(raw, head);
  if (tail > 0) ::munmap(reinterpret_cast<void*>(aligned + bytes), tail);
  void* p = reinterpret_cast<void*>(aligned);
  if (::madvise(p, bytes, MADV_HUGEPAGE) != 0) {
#ifdef MADV_POPULATE_WRITE
    // No huge pages: one call instead of one trap per 4 KiB page (~12 us each).
    ::madvise(p, bytes, MADV_POPULATE_WRITE);
#endif
  }
  return p;
}

// Batch buffers faulted in on a background thread before the loader needs them. Fresh memory is
// dear on a VM (a new 19 MB float32 batch took ~40 ms to fault in here when the host had to back
// its pages, ~4 ms when not), so the faces start this before loading plugins and scanning, which
// run on one core: the first batch then costs its decoding only. A region is faulted in 2 MiB
// chunk by chunk, and an allocation that needs it before it is done touches the chunks left
// itself, so a worker never idles while one thread does it all.
struct Filling {
  void* p = nullptr;
  std::size_t bytes = 0, chunks = 0;
  std::atomic<std::size_t> next{0}, done{0};
};

struct Reserve {
  std::mutex mutex;
  std::condition_variable cv;
  int holds = 0;                     // ReserveHolds alive: the filler pauses (see pause_filling)
  int waiting = 0;                   // threads that need a region now: the filler never pauses then
  int pauses_run_out = 0;            // pauses that ended by the budget, not by the holds or a waiter
  std::size_t bytes = 0;             // the size of every region below
  std::vector<void*> ready;          // faulted in, not yet taken
  std::shared_ptr<Filling> filling;  // the region being faulted in, if any
  int pending = 0;                   // regions not ready yet (filling, or still to map)
  pid_t owner = 0;                   // a forked child has no filler thread: it ignores the reserve
  std::thread filler;

  ~Reserve() {
    if (filler.joinable()) filler.join();
    for (void* p : ready) ::munmap(p, bytes);
  }
};

Reserve& reserve() {
  static Reserve r;
  return r;
}

// The filler's pause while a stream makes its first batch (ReserveHold) and nobody waits for a
// region: on a VM, faulting in fresh memory stalls the whole vCPU in the host for up to ms per
// huge page, which the guest cannot preempt even for an idle-priority thread, so a filler still
// at work when a stream starts delayed a worker's start by 1-4 ms. Bounded: a hold that is never
// released (a stream kept forever) delays the filling by `budget` in all, not the exit.
void pause_filling(Reserve& r, std::chrono::steady_clock::duration& budget) {
  if (budget <= std::chrono::steady_clock::duration::zero()) return;
  std::unique_lock<std::mutex> lock(r.mutex);
  const auto t0 = std::chrono::steady_clock::now();
  if (!r.cv.wait_for(lock, budget, [&] { return r.holds == 0 || r.waiting > 0; })) {
    ++r.pauses_run_out;
    budget = std::chrono::steady_clock::duration::zero();
    return;
  }
  budget -= std::min(budget, std::chrono::steady_clock::now() - t0);
}

// How long a filler may pause in all.
constexpr std::chrono::milliseconds kPauseBudget{200};

// Touches unclaimed chunks of `f` (one write per 4 KiB: one fault per huge page, and from user
// space, so no kernel lock is held by an idle-priority thread that gets preempted); true if this
// call finished the region's last chunk. The filler passes `pause` (pause_filling between chunks).
bool fault_in(Filling& f, Reserve* pause = nullptr, std::chrono::steady_clock::duration* budget = nullptr) {
  bool last = false;
  for (;;) {
    if (pause != nullptr && f.next.load() < f.chunks) pause_filling(*pause, *budget);
    const std::size_t i = f.next.fetch_add(1);
    if (i >= f.chunks) break;
    auto* base = static_cast<volatile unsigned char*>(f.p);
    const std::size_t end = std::min(f.bytes, (i + 1) * kHuge);
    for (std::size_t at = i * kHuge; at < end; at += 4096) base[at] = 0;
    if (f.done.fetch_add(1) + 1 == f.chunks) last = true;
  }
  return last;
}

// `f` is faulted in: it joins the ready regions.
void finish(Reserve& r, const std::shared_ptr<Filling>& f) {
  std::lock_guard<std::mutex> lock(r.mutex);
  r.ready.push_back(f->p);
  if (r.filling == f) r.filling.reset();
  --r.pending;
  r.cv.notify_all();
}

// A reserved region of exactly `bytes` (helping to fault in one still being filled); null if none.
void* take_reserved(std::size_t bytes) {
  Reserve& r = reserve();
  std::unique_lock<std::mutex> lock(r.mutex);
  if (r.bytes != bytes || r.owner != ::getpid()) return nullptr;
  for (;;) {
    if (!r.ready.empty()) {
      void* p = r.ready.back();
      r.ready.pop_back();
      return p;
    }
    if (r.pending == 0) return nullptr;
    ++r.waiting;  // the filler keeps going while someone needs a region
    r.cv.notify_all();
    if (std::shared_ptr<Filling> f = r.filling; f && f->next.load() < f->chunks) {
      lock.unlock();
      if (fault_in(*f)) finish(r, f);
      lock.lock();
    } else {
      r.cv.wait(lock);  // being mapped, or its last chunks being touched by another thread
    }
    --r.waiting;
  }
}
}  // namespace

void reserve_tensor_bytes(std::size_t bytes, int count) {
  if (bytes < kHuge || count < 1) return;  // small batches fault in quickly enough
  Reserve& r = reserve();
  std::unique_lock<std::mutex> lock(r.mutex);
  if (r.owner == ::getpid() && r.bytes == bytes && static_cast<int>(r.ready.size()) + r.pending >= count) return;
  // Another size (or a forked child's inherited state): the unused regions go back first.
  if (r.owner == ::getpid()) {
    ++r.waiting;  // a paused filler finishes the last size's regions now
    r.cv.notify_all();
    r.cv.wait(lock, [&] { return r.pending == 0; });
    --r.waiting;
    if (r.bytes != bytes) {
      for (void* p : r.ready) ::munmap(p, r.bytes);
      r.ready.clear();
    }
  } else {
    r.ready.clear();  // the parent's mappings were copied: freed with the process, never handed out
    r.filling.reset();
    r.pending = 0;
    if (r.filler.joinable()) r.filler.detach();  // no thread behind it in this process
  }
  lock.unlock();
  if (r.filler.joinable()) r.filler.join();  // finished: pending is 0
  lock.lock();
  r.owner = ::getpid();
  r.bytes = bytes;
  const int more = count - static_cast<int>(r.ready.size());
  if (more <= 0) return;
  r.pending = more;
  try {
    r.filler = std::thread([&r, bytes, more] {
      // Idle priority: it runs while loading and scanning leave a core free, never ahead of the
      // workers' decoding; a worker that needs its region finishes it (take_reserved).
      sched_param idle{};
      (void)pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle);
      std::chrono::steady_clock::duration budget = kPauseBudget;
      for (int i = 0; i < more; ++i) {
        if (i > 0) pause_filling(r, budget);
        auto f = std::make_shared<Filling>();
        try {
          f->p = map_huge(bytes);
        } catch (const std::bad_alloc&) {  // the loader maps its own later, and reports if it fails
          std::lock_guard<std::mutex> guard(r.mutex);
          --r.pending;
          r.cv.notify_all();
          continue;
        }
        f->bytes = bytes;
        f->chunks = (bytes + kHuge - 1) / kHuge;
        {
          std::lock_guard<std::mutex> guard(r.mutex);
          r.filling = f;
          r.cv.notify_all();
        }
        if (fault_in(*f, &r, &budget)) finish(r, f);
      }
    });
  } catch (const std::system_error&) {  // no thread to spare: the loader faults its buffers in itself
    r.pending = 0;
  }
}

ReserveHold::ReserveHold() {
  Reserve& r = reserve();
  std::lock_guard<std::mutex> lock(r.mutex);
  ++r.holds;
}

ReserveHold::~ReserveHold() {
  Reserve& r = reserve();
  std::lock_guard<std::mutex> lock(r.mutex);
  --r.holds;
  r.cv.notify_all();
}

int reserve_pauses_run_out() noexcept {
  Reserve& r = reserve();
  std::lock_guard<std::mutex> lock(r.mutex);
  return r.pauses_run_out;
}

int reserved_tensor_regions(std::size_t bytes) noexcept {
  Reserve& r = reserve();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (r.bytes != bytes || r.owner != ::getpid()) return 0;
  return static_cast<int>(r.ready.size()) + r.pending;
}

void* allocate_tensor_bytes(std::size_t bytes) {
  if (bytes < kMapFrom) return ::operator new(bytes == 0 ? 1 : bytes, kAlign);
  if (bytes < kHuge) {
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return p;
  }
  if (void* p = take_reserved(bytes)) return p;
  return map_huge(bytes);
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
