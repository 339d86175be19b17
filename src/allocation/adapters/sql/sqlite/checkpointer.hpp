#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "allocation/adapters/sql/database.hpp"

namespace allocation::adapters::sql {

// Copies SQLite's write-ahead log back into the database file on a thread and a connection of
// its own, each time 4 MiB more of it were committed. SQLite does it by default inside the
// COMMIT that makes the log reach 1000 pages: that COMMIT, and every turn waiting on the group
// commit's writer behind it, would wait for the copy and its fsync. A PASSIVE checkpoint lets
// writers go on meanwhile.
//
// The log starts again from its beginning only when a write transaction begins with all of it
// copied, which never happens while a writer commits all the time and the copy runs beside it
// (the log grows without bound). So once the log is 16 MiB long, the thread copies
// after every commit until little is left, and the writer finishes the last copy itself,
// between two transactions: it copies only what was committed since, and the log then starts
// over. Should the thread lag far behind (starved of CPU), the writer copies all of the log
// itself once it is 20 MiB long. That copy cannot run while the thread's own is still under way
// (SQLite runs one at a time), so a copy slowed down (by the disk, or the thread descheduled)
// lets the log grow on until it ends: a CI run with other tests beside it saw 56 MiB once.
class Checkpointer {
 public:
  explicit Checkpointer(const Database& database);
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Turns off `writer`'s own checkpoints and has its commits tell this one how long the log is.
  // `writer` must outlive this object, or be detached from it first with detach().
  void attach(soci::session& writer);
  void detach(soci::session& writer);

  // Called by the writer between two transactions: once the log is long, copies its end if a
  // copy was made meanwhile, so that the next transaction starts the log over.
  void finish_copy(soci::session& writer);

 private:
  // Called after each commit of the writer with the log's length in pages.
  void log_grew(int pages);
  // How much of a log `pages` long the last copy covered.
  int copied_of(int pages) const;
  void run(std::stop_token stop);

  std::unique_ptr<soci::session> session_;  // used by the thread only
  std::mutex mutex_;
  std::condition_variable_any wanted_;
  bool due_ = false;  // guarded by mutex_
  // Thresholds in pages of the writer's database, set by attach().
  int checkpoint_pages_ = 0, restart_pages_ = 0, finish_pages_ = 0, limit_pages_ = 0;
  std::atomic<int> log_pages_{0};     // after the writer's last commit
  std::atomic<int> copied_pages_{0};  // of the log, by the last copy
  std::jthread thread_;
};

}  // namespace allocation::adapters::sql
