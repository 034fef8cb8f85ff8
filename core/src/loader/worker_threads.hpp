// Loader threads that outlive the streams that use them: private to the core.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>

namespace classflow::detail {

/// Jobs not finished yet: add() counts them in, each one's done() out, wait() returns when the
/// count is 0. Held by shared_ptr, so a job's done() may come after whoever waited is gone. A job
/// may be done before it was added (the count dips below 0 meanwhile): wait only after adding.
class JobCount {
 public:
  void add(int n) {
    std::lock_guard<std::mutex> lock(mutex_);
    count_ += n;
  }
  void done() {
    std::lock_guard<std::mutex> lock(mutex_);
    --count_;
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return count_ == 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int count_ = 0;
};

/// The process's pool of loader threads. A BatchStream's workers run on them, and a thread
/// goes back to the pool when its stream ends instead of exiting, so the next epoch's (and the
/// next loader's) workers keep what each thread built on its first image: the decoder's handle,
/// the decode and resample buffers already faulted in, a warm malloc arena. On the 2-core VM of
/// bench/README.md a fresh thread's first image cost 4-12 ms more than the later ones, the
/// larger part of the first batch's time beyond its decoding.
/// Threads are parked between jobs and end at the process's exit (end_idle); a
/// forked child gets a pool of its own (its parent's threads do not exist there). Thread-safe.
class WorkerThreads {
 public:
  /// The calling process's pool.
  static WorkerThreads& instance();

  /// Runs `job` on a pooled thread at once: an idle one, or a new one when every thread is taken
  /// (a job may run as long as its stream: it never waits behind another stream's job), then
  /// `done` once the thread counts as idle again (so whoever waits for `done` and starts the next
  /// job finds it idle). Neither may throw. @throws std::system_error when a thread is needed and
  /// cannot be started.
  void run(std::function<void()> job, std::function<void()> done);

  /// Threads started so far (idle, warming up or running a job).
  int size();

  /// Ends the idle threads and those warming up (waiting at most 2 s), for the process's exit:
  /// their thread-local state is destroyed while the libraries it belongs to are loaded. Threads
  /// started later end after their job.
  void end_idle();

  /// Starts threads until the pool has `count`; each new one runs `first` (which must not throw)
  /// before any job, and then takes jobs as the others do. Returns how many it started.
  /// A thread that cannot be started is not an error: it returns the number that did.
  int grow(int count, const std::function<void()>& first);

  WorkerThreads(const WorkerThreads&) = delete;
  WorkerThreads& operator=(const WorkerThreads&) = delete;

 private:
  WorkerThreads() = default;
  // A pool thread. Joinable, never detached: end_idle joins the ones that end, so everything a
  // thread did (its thread-local destructors too) happens before its stack is freed (TSan sees it).
  struct Worker {
    std::thread thread;
    bool ended = false;
  };
  void start(std::function<void()> first);  // called with mutex_ held
  void loop(Worker* self, std::function<void()> first);

  std::mutex mutex_;
  std::condition_variable cv_;
  struct Job {
    std::function<void()> run, done;
  };
  std::deque<Job> queue_;
  std::list<Worker> workers_;  // nodes stay put: each thread holds a pointer to its own
  int threads_ = 0;  // started
  int busy_ = 0;     // running a job (a thread in its `first` is not busy: it takes jobs next)
  bool ending_ = false;  // the process exits: idle threads end
};

}  // namespace classflow::detail
