// The process's pool of loader threads (see worker_threads.hpp).
#include "loader/worker_threads.hpp"

#include <unistd.h>

#include <atomic>
#include <thread>
#include <utility>

namespace classflow::detail {

namespace {
struct Owned {
  pid_t pid;
  WorkerThreads* pool;
};
std::atomic<Owned*> current{nullptr};
}  // namespace

WorkerThreads& WorkerThreads::instance() {
  const pid_t pid = getpid();
  Owned* o = current.load(std::memory_order_acquire);
  if (o != nullptr && o->pid == pid) return *o->pool;
  // First use, or a forked child: a new pool. The old one is left alone (its threads and perhaps
  // a locked mutex belong to the parent) and, like every pool, never freed: parked threads may
  // still wait on it while the process exits.
  auto* fresh = new Owned{pid, new WorkerThreads()};
  while (!current.compare_exchange_weak(o, fresh, std::memory_order_acq_rel)) {
    if (o != nullptr && o->pid == pid) {
      delete fresh->pool;
      delete fresh;
      return *o->pool;
    }
  }
  return *fresh->pool;
}

void WorkerThreads::start(std::function<void()> first) {
  std::thread(&WorkerThreads::loop, this, std::move(first)).detach();
  ++threads_;
}

void WorkerThreads::run(std::function<void()> job, std::function<void()> done) {
  std::lock_guard<std::mutex> lock(mutex_);
  // Every queued job needs a thread that is not running one; start one if it would wait.
  if (static_cast<int>(queue_.size()) >= threads_ - busy_) start(nullptr);
  queue_.push_back({std::move(job), std::move(done)});
  cv_.notify_one();
}

int WorkerThreads::size() {
  std::lock_guard<std::mutex> lock(mutex_);
  return threads_;
}

int WorkerThreads::grow(int count, const std::function<void()>& first) {
  std::lock_guard<std::mutex> lock(mutex_);
  int started = 0;
  try {
    while (threads_ < count) {
      start(first);
      ++started;
    }
  } catch (const std::system_error&) {
    // A warm-up is a hint: fewer threads now, the streams start theirs when they need them.
  }
  return started;
}

void WorkerThreads::loop(std::function<void()> first) {
  if (first) first();
  first = nullptr;  // what it holds (a registry) is released before the thread parks
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    cv_.wait(lock, [&] { return !queue_.empty(); });
    Job job = std::move(queue_.front());
    queue_.pop_front();
    ++busy_;
    lock.unlock();
    job.run();
    job.run = nullptr;
    lock.lock();
    --busy_;
    lock.unlock();
    job.done();
    job.done = nullptr;  // what it holds is released before the thread parks
    lock.lock();
  }
}

}  // namespace classflow::detail
