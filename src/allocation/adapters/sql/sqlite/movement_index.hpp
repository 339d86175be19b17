#pragma once

#include "allocation/adapters/sql/connection.hpp"

namespace allocation::adapters::sql::movement_index {

// SQLite's index of the ledger by SKU, kept in arrears. Each allocation writes a movement; an
// index entry written with it would land on a random page of the index, one more page in the log
// (and in the checkpoint) per allocation of a group, the part of SQLite's write path the ledger
// made slower (docs/performance.md). So on SQLite a movement is written only at the end of the
// table (the rowid is its seq), and catch_up() enters the movements since the last catch-up into
// table movement_index (sku, seq) at once, sorted by SKU: many entries per index page. Readers
// take the indexed movements from the index and the rest, at most about kBacklog rows, from the
// table's end (SqlStockLedger). movement_index_state.upto is the last seq indexed; each catch-up
// runs in a write transaction, so processes sharing the file never index a movement twice.
// PostgreSQL indexes each movement with its insert: its writers run at once, its seq is not in
// commit order, and a watermark would miss rows committed late.

// Movements left unindexed before a catch-up: enough that one index page takes several entries
// of a SKU when 1,000 SKUs sell, and few enough that a reader scans the rest in about a
// millisecond.
inline constexpr long long kBacklog = 8192;

// When at least `at_least` movements are unindexed, indexes all of them, in the caller's
// transaction. Returns how many it indexed.
long long catch_up(Connection& connection, long long at_least = kBacklog);

}  // namespace allocation::adapters::sql::movement_index
