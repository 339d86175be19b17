#pragma once

#include <cstdint>
#include <string>

// A SQLite VFS for tests that simulates a power loss, as SQLite's own crash tests do. It sits
// under every other VFS (it is registered as the default before the service registers its
// buffered log VFS, which then writes through it) and passes every call on to the operating
// system's VFS, while it remembers, for the database, its write-ahead log and its rollback
// journal, the content each had at its last sync and every write and truncation since.
//
// It counts those writes, syncs and truncations. Just before the one numbered `crash_at`, it
// rewrites each of those files as a power loss could leave it, and ends the process at once
// (_exit), with no destructor and no other SQLite call run:
// - dropped: every write since the file's last sync is lost;
// - torn: the first of them are kept, the last kept one only in part, the rest of its 512-byte
//   sector holding garbage. Bytes outside what was written are never changed (SQLite's
//   "powersafe overwrite", which its default VFS assumes of the disk).
// The files are then as the next process to open them finds them after the machine restarts.
namespace allocation::testing {

enum class PowerLoss { dropped, torn };

struct PowerLossPlan {
  // The number (from 1) of the write, sync or truncation the power fails before; 0: never.
  long crash_at = 0;
  // crash_at counts the database's syncs only: a checkpoint's, a dozen in hundreds of events,
  // whose numbers among them change with how the threads meet.
  bool database_syncs_only = false;
  PowerLoss loss = PowerLoss::dropped;
  // Draws which writes a torn loss keeps, and the garbage.
  std::uint64_t seed = 1;
  // Where the crash is told, as one line "crash N FILE OPERATION LOSS" (FILE: database, log or
  // journal; OPERATION: write, sync or truncate), just before the process ends.
  int report_fd = 2;
};

// The process exits with this status when the power fails.
inline constexpr int kPowerLossExit = 86;

// Registers the VFS as SQLite's default, over the default it finds. Call it once, before
// anything in the process opens SQLite.
void install_power_loss_vfs(const PowerLossPlan& plan);

// What the VFS counted so far, as "events=N database_writes=N database_syncs=N log_writes=N
// log_syncs=N journal_writes=N journal_syncs=N truncations=N".
std::string power_loss_counts();

}  // namespace allocation::testing
