#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "allocation/adapters/sql/connection.hpp"
#include "allocation/adapters/sql/recent_by_sku.hpp"
#include "allocation/domain/product.hpp"

namespace allocation::adapters::sql {

// What SQLite's writer knows of products as stored: for each product it wrote or read lately,
// its version, its batches with their totals (without lines, in the order added) and the
// priorities of their warehouses. A load that finds its product here reads only the product's
// own row, the order's line and the named hold, and takes the batches from here when the
// version read is the one known: a product of 20 batches costs a load what one of 3 does
// (measured in docs/performance.md).
//
// Why it stays true. Every change of a product's batches moves its version
// (SqlProductRepository::save), and every save of this process updates or forgets its entry
// (SqliteProductRepository::remember_saved), so an entry's version names its batches as stored;
// a save that is then rolled back leaves a version the database does not have, found stale at
// the next load. What the version does not cover is forgotten whole: warehouses' priorities
// set in this process (forget_all), what was read in a group that rolled back (a priority
// staged there, read with a product whose version the group did not move: forget_all, from
// GroupCommit's RolledBack), and anything another connection committed (another process, a
// tool; check_other_writers, at the start of each group).
//
// Used by the group commit's writer thread alone (every SQLite unit of work runs there): no
// lock. Bounded by its batches (the least recently used products go first).
class StoredProducts {
 public:
  struct Known {
    int version = 0;
    std::vector<domain::Batch> batches;
    domain::WarehousePriorities::Configured priorities;
  };

  // About 200 bytes a batch: a few MiB at most.
  static constexpr std::size_t kMaxBatches = 32768;

  explicit StoredProducts(std::size_t max_batches = kMaxBatches) : known_(max_batches) {}

  // What is known of `sku`, or nullptr; valid until the next call.
  const Known* find(std::string_view sku) { return known_.find(sku); }
  // `product` as stored now (its loaded lines dropped).
  void remember(const domain::Product& product);
  void forget(std::string_view sku) { known_.forget(sku); }
  void forget_all() { known_.forget_all(); }
  // Forgets everything when another connection committed to the database since the last call
  // (PRAGMA data_version). Called in a transaction, which no other connection can then change.
  void check_other_writers(Connection& connection);

  std::size_t products() const { return known_.size(); }
  std::size_t batches() const { return known_.weight(); }

 private:
  RecentBySku<Known> known_;  // weighed by batches
  long long data_version_ = -1;
};

}  // namespace allocation::adapters::sql
