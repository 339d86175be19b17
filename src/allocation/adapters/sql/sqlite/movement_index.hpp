#pragma once

#include <algorithm>
#include <compare>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "allocation/adapters/sql/connection.hpp"

namespace allocation::adapters::sql::movement_index {

// SQLite's index of the ledger by SKU, kept in arrears. Each allocation writes a movement; an
// index entry written with it would land on a random page of the index, one more page in the log
// (and in the checkpoint) per allocation of a group, the part of SQLite's write path the ledger
// made slower (docs/performance.md). So on SQLite a movement is written only at the end of the
// table (the rowid is its seq), and the movements since the last catch-up are entered into table
// movement_index (sku, seq) as one batch, sorted by SKU: many entries per index page.
//
// A batch is entered in slices, one per group, each the next kSlice entries in index order, so
// that a slice still fills whole pages of the index: entering all of it in one group held the
// writer, and every allocation queued behind it, for 11-23 ms, SQLite's p99 (docs/performance.md).
// movement_index_state says what is indexed: every movement up to `upto`, and of the batch under
// way (the movements after `upto` up to `batch_to`) those up to (`batch_sku`, `batch_seq`) in
// index order. Readers take entries up to `upto` from the index and the movements after it from
// the table's end (SqlStockLedger). Each slice runs in a write transaction, so processes sharing
// the file never index a movement twice. PostgreSQL indexes each movement with its insert: its
// writers run at once, its seq is not in commit order, and a watermark would miss rows committed
// late.

// Movements left unindexed before a batch begins: enough that one index page takes several
// entries of a SKU when 1,000 SKUs sell, and few enough that a reader scans the rest in about a
// millisecond.
inline constexpr long long kBacklog = 8192;
// Entries one group enters at most.
inline constexpr long long kSlice = 1024;

// Enters batches, a slice per call, remembering the batch's entries between calls: reading them
// again at every slice (a scan of the batch's rows of `movements`) cost half of entering them.
// Used by one thread (the group commit's writer); what it remembers is checked against
// movement_index_state at every call and read again when another writer or a rolled-back group
// moved it.
class Indexer {
 public:
  explicit Indexer(long long backlog = kBacklog, long long slice = kSlice)
      : backlog_(backlog), slice_(std::max(slice, 1LL)) {}

  // In the caller's transaction: enters the next slice of the batch under way, or begins a batch
  // of all the movements not yet indexed once there are at least `backlog` of them. Returns how
  // many entries it wrote.
  long long catch_up(Connection& connection);

 private:
  struct Entry {
    std::string sku;
    long long seq;
    auto operator<=>(const Entry&) const = default;
  };
  // Remembers the movements after `upto` up to `to`, those after `after` in index order if given.
  void read_batch(Connection& connection, long long upto, long long to,
                  const std::optional<Entry>& after);
  // Writes entries_ from next_ on, at most slice_ of them, and the state that says so.
  long long write_slice(Connection& connection);

  long long backlog_, slice_;
  // The batch under way as last seen: its last seq, its entries not yet written in index order,
  // from `next_` on.
  long long batch_to_ = 0;
  std::vector<Entry> entries_;
  std::size_t next_ = 0;
};

}  // namespace allocation::adapters::sql::movement_index
