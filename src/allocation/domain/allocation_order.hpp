#pragma once

#include <optional>
#include <string_view>

#include "allocation/domain/batch.hpp"
#include "allocation/domain/date.hpp"
#include "allocation/domain/hold.hpp"
#include "allocation/domain/warehouse_priorities.hpp"

namespace allocation::domain {

// SPEC §6's order of the batches that can take a line, on one day, for one allocation. The one
// comparison every choice of a batch makes: allocating, holding, serving the backorder queue,
// moving a hold off a shrinking batch.
//   0. the preferred warehouse's batches (click and collect) first, when one is named;
//   1. batches in a warehouse (no eta) before incoming ones;
//   2. in a warehouse: by warehouse priority, then the earliest `expires` (none last);
//   3. incoming: the earliest eta, then warehouse priority;
// then the order the batches were added, which before() leaves to its caller. With one
// warehouse, no expiry dates and no preference, that is part one's rule.
class AllocationOrder {
 public:
  // `priorities` and `preferred` must outlive the order.
  AllocationOrder(const WarehousePriorities& priorities, Date today,
                  std::optional<std::string_view> preferred = std::nullopt)
      : priorities_(&priorities), today_(today), preferred_(preferred) {}

  // Whether the batch may be allocated from at all: not expired (its `expires` is today or
  // later, or it has none).
  bool usable(const Batch& batch) const;
  // Whether `a` comes strictly before `b`; false for batches alike in every key, which then go
  // in the order they were added.
  bool before(const Batch& a, const Batch& b) const;
  // The same order for allocations that prefer no warehouse: the lines of the backorder queue
  // and of holds, served or moved while one allocation with a preference runs.
  AllocationOrder without_preference() const { return {*priorities_, today_}; }

 private:
  const WarehousePriorities* priorities_;
  Date today_;
  std::optional<std::string_view> preferred_;
};

// The UTC date of an instant: the day an expiry date is compared with.
Date date_of(Instant instant);

}  // namespace allocation::domain
