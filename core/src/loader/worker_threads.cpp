// The process's pool of loader threads (see worker_threads.hpp).
#include "loader/worker_threads.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <utility>
#include <vector>

namespace classflow::detail {

namespace {
struct Owned {
  pid_t pid;
  WorkerThreads* pool;
};
std::atomic<Owned*> current{nullptr};
}  // namespace

// At exit, before the sanitizers' leak check and the libraries' static destructors: idle threads
// end (their thread-local state, some of it plugins', is destroyed while everything it needs is
// still there); LeakSanitizer's thread scan crashed on parked threads holding a closed plugin's
// thread-locals. A thread still running a job (a stream never destroyed) is left alone.
void end_idle_threads() {
  Owned* o = current.load(std::memory_order_acquire);
  if (o != nullptr && o->pid == getpid()) o->pool->end_idle();
}

WorkerThreads& WorkerThreads::instance() {
  static const bool registered = std::atexit(end_idle_threads) == 0;  // once: a forked child inherits it
  (void)registered;
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
  Worker& w = workers_.emplace_back();
  try {
    w.thread = std::thread(&WorkerThreads::loop, this, &w, std::move(first));
  } catch (...) {
    workers_.pop_back();
    throw;
  }
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

void WorkerThreads::end_idle() {
  std::unique_lock<std::mutex> lock(mutex_);
  ending_ = true;
  cv_.notify_all();
  // Threads still warming up end when done; a bounded wait, never a hang at exit.
  cv_.wait_for(lock, std::chrono::seconds(2), [&] { return threads_ == busy_; });
  std::vector<std::thread> ended;
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (!it->ended) {
      ++it;
      continue;
    }
    ended.push_back(std::move(it->thread));
    it = workers_.erase(it);
  }
  lock.unlock();
  for (auto& t : ended) t.join();
}

void WorkerThreads::loop(Worker* self, std::function<void()> first) {
  if (first) first();
  first = nullptr;  // what it holds (a registry) is released before the thread parks
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    cv_.wait(lock, [&] { return !queue_.empty() || ending_; });
    if (queue_.empty()) {  // ending
      self->ended = true;
      --threads_;
      cv_.notify_all();
      return;
    }
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
