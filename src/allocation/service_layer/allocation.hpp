#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "allocation/domain/order_line.hpp"

namespace allocation::service_layer {

// What allocating a line answers: the batch it went to; or none, the line waiting in the
// product's backorder queue (backordered) or refused (out of stock).
struct Allocation {
  std::optional<std::string> batchref;
  bool backordered = false;
  // The line's parts, the first in `batchref` (one for a line in one batch, none when not
  // allocated).
  std::vector<domain::LinePart> parts = {};

  friend bool operator==(const Allocation&, const Allocation&) = default;
  // Part one's answer, a batch or none: equal when the line was not backordered and went to
  // `batchref` (so that `EXPECT_EQ(allocation, "b1")` reads as the answer it checks).
  friend bool operator==(const Allocation& allocation, const std::optional<std::string>& batchref) {
    return !allocation.backordered && allocation.batchref == batchref;
  }
  // GoogleTest prints an Allocation with this.
  friend void PrintTo(const Allocation& allocation, std::ostream* out) {
    *out << (allocation.batchref ? *allocation.batchref : "no batch")
         << (allocation.backordered ? ", backordered" : "");
  }
};

}  // namespace allocation::service_layer
