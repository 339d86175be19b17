#include "allocation/adapters/sql/sqlite/checkpointer.hpp"

#include <soci/into.h>
#include <soci/session.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <spdlog/spdlog.h>

#include <optional>

#include "allocation/adapters/sql/sqlite/sqlite_statement.hpp"

namespace allocation::adapters::sql {

// SOCI's header declares SQLite's API in a namespace of its own.
using namespace sqlite_api;
using sqlite::native_connection;

namespace {

// Log written between two copies: SQLite's own threshold (wal_autocheckpoint) with its default
// pages of 4 KiB. A page written by many commits in between (a product's row, a batch's) is
// copied once, and the database file is synced once for all of them.
constexpr int kCheckpointBytes = 4 << 20;
// How long the log may grow before the writer finishes a copy so that it starts over: each
// finish stalls the writer for an fsync of the database file, which shows in the allocations'
// p99 when it comes at every copy (docs/performance.md).
constexpr int kRestartBytes = 16 << 20;
// Once the log is that long, the writer finishes the copy when at most this much is left.
constexpr int kFinishBytes = 256 << 10;
// However far the thread's copies lag (a machine short of CPU starves it), the log grows no
// longer than this, and one group's commit: past it, the writer copies all that is left itself,
// waiting for a copy in progress (a FULL checkpoint), so that the log starts over.
constexpr int kLimitBytes = 20 << 20;

// A PASSIVE checkpoint copies what no reader still needs, waiting for no one; busy when
// another connection's checkpoint is running: the next commit asks again. A FULL one waits
// (busy_timeout) for that checkpoint and for readers of older snapshots, and copies all. Returns
// how much of the log is copied, or nothing when it failed.
std::optional<int> checkpoint(soci::session& session, int mode = SQLITE_CHECKPOINT_PASSIVE) {
  int log = 0, copied = 0;
  const int result =
      sqlite3_wal_checkpoint_v2(native_connection(session), nullptr, mode, &log, &copied);
  if (result != SQLITE_OK && result != SQLITE_BUSY) {
    spdlog::warn("checkpoint of the write-ahead log: {}", sqlite3_errstr(result));
  }
  if (result != SQLITE_OK) return std::nullopt;
  return copied;
}

}  // namespace

Checkpointer::Checkpointer(const Database& database)
    : session_(database.connect()), thread_([this](std::stop_token stop) { run(stop); }) {}

Checkpointer::~Checkpointer() {
  thread_.request_stop();
  thread_.join();
}

void Checkpointer::attach(soci::session& writer) {
  int page_size = 4096;
  writer << "PRAGMA page_size", soci::into(page_size);
  checkpoint_pages_ = kCheckpointBytes / page_size;
  restart_pages_ = kRestartBytes / page_size;
  finish_pages_ = kFinishBytes / page_size;
  limit_pages_ = kLimitBytes / page_size;
  // Replaces the writer's own checkpoints (SQLite's default WAL hook).
  sqlite3_wal_hook(
      native_connection(writer),
      [](void* self, sqlite3*, const char*, int pages) {
        static_cast<Checkpointer*>(self)->log_grew(pages);
        return SQLITE_OK;
      },
      this);
}

void Checkpointer::detach(soci::session& writer) {
  sqlite3_wal_autocheckpoint(native_connection(writer), checkpoint_pages_);  // SQLite's own again
}

int Checkpointer::copied_of(int pages) const {
  const int copied = copied_pages_;
  return copied <= pages ? copied : 0;  // more: a copy of the log before it started over
}

void Checkpointer::log_grew(int pages) {
  log_pages_ = pages;
  // Past restart_pages_, one copy after another, until the writer can finish.
  if (pages < restart_pages_ && pages < copied_of(pages) + checkpoint_pages_) return;
  {
    std::lock_guard lock(mutex_);
    due_ = true;
  }
  wanted_.notify_one();
}

void Checkpointer::finish_copy(soci::session& writer) {
  const int pages = log_pages_;
  if (pages >= limit_pages_) {
    if (checkpoint(writer, SQLITE_CHECKPOINT_FULL)) copied_pages_ = 0;
    return;
  }
  if (pages < restart_pages_ || pages - copied_of(pages) > finish_pages_) return;
  if (checkpoint(writer)) copied_pages_ = 0;  // the next transaction starts the log over
}

void Checkpointer::run(std::stop_token stop) {
  while (true) {
    {
      std::unique_lock lock(mutex_);
      if (!wanted_.wait(lock, stop, [&] { return due_; })) return;
      due_ = false;
    }
    if (const auto copied = checkpoint(*session_)) copied_pages_ = *copied;
  }
}

}  // namespace allocation::adapters::sql
