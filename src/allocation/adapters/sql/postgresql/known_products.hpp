#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string_view>

#include "allocation/adapters/sql/recent_by_sku.hpp"
#include "allocation/domain/product.hpp"

namespace allocation::adapters::sql {

// A product as a unit of work of this process left it in PostgreSQL when it last wrote it:
// every batch with its totals, its policy and the version, none of its order lines or holds;
// and the version of the warehouses' priorities (migration 17) they were read with.
struct KnownProduct {
  domain::Product product;
  long long priorities_version = 0;
  // Whether the group's transaction holds the product's row since the write that left it (a turn
  // of the same group): then nothing else can have changed it, and any work may start from it.
  // A product known from an earlier group may have changed since in another process: only an
  // allocation may start from it, whose write checks both versions and the order's line
  // (write_assumed_line).
  bool held = false;
};

// What the groups of this process last left known of each product (ProductGroupCommit): the
// next group of a product starts from it, so that an allocation of a product this process wrote
// last costs one statement, not a read and a write. Shared by every group's leading thread,
// under its own lock; bounded by its batches, the least recently used products going first.
class KnownProducts {
 public:
  // About 200 bytes a batch: a few MiB at most.
  static constexpr std::size_t kMaxBatches = 32768;

  explicit KnownProducts(std::size_t max_batches = kMaxBatches) : known_(max_batches) {}

  // What is known of `sku` (not held), or nothing.
  std::optional<KnownProduct> find(std::string_view sku);
  void remember(const KnownProduct& known);
  void forget(std::string_view sku);

 private:
  std::mutex mutex_;
  RecentBySku<KnownProduct> known_;  // guarded by mutex_; weighed by batches
};

}  // namespace allocation::adapters::sql
