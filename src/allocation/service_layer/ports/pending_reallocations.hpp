#pragma once

#include <vector>

#include "allocation/domain/events.hpp"

namespace allocation::service_layer {

// Port: the reallocations pending (UnitOfWork::pending_reallocations), read without a unit of
// work (the query side): what recovery looks for at every start and every few seconds, mostly
// to find none. On SQLite, a unit of work would wait for the write lock, which a busy process
// on the same file may hold for many seconds; a read needs none. What it lists may be settled
// by the time it is handled, which reallocate() takes in its stride. Safe to use from many
// threads.
class PendingReallocations {
 public:
  virtual ~PendingReallocations() = default;

  // Every pending reallocation, oldest first, as one read sees them.
  virtual std::vector<domain::events::Deallocated> list() = 0;
};

}  // namespace allocation::service_layer
