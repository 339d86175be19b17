#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string_view>

#include "allocation/adapters/sql/recent_by_sku.hpp"
#include "allocation/domain/hold.hpp"

namespace allocation::adapters::sql {

// The holds this process made lately, by id, as it wrote them: the allocation that turns one
// into a line may start from the product its group knows (ProductInGroupRepository) instead of
// reading the product and the hold. A guess, never taken for the truth: another process may
// have extended, released or used a hold since, and the statement that writes the line checks
// that the hold's row is still as remembered (write_assumed_held_line). A hold used or released
// by this process is forgotten; one that ends elsewhere stays until the least recently used go
// first.
//
// Shared by every unit of work of the process, under its own lock.
class KnownHolds {
 public:
  // About 200 bytes a hold: a few MiB at most. More than a shop's checkouts in the minutes a hold
  // lasts, from one process.
  static constexpr std::size_t kMaxHolds = 16384;

  explicit KnownHolds(std::size_t max_holds = kMaxHolds) : known_(max_holds) {}

  std::optional<domain::Hold> find(std::string_view id);
  void remember(const domain::Hold& hold);
  void forget(std::string_view id);

 private:
  std::mutex mutex_;
  RecentBySku<domain::Hold> known_;  // guarded by mutex_; keyed by the hold's id, each weighs 1
};

}  // namespace allocation::adapters::sql
