#pragma once

#include <string>
#include <vector>

#include "fault_run/cluster.hpp"
#include "fault_run/history.hpp"

// Judges the system after a fault run, once it is whole and quiet again, against the history:
// one line per violation.
//
// - No batch holds more than it has: allocated + reserved <= purchased.
// - Each line at most once: an order has at most its one line, allocated whole or not at all.
// - Every 2xx is reflected (a batch, a line, a cancel, a hold, its release or use), and nothing
//   changed without a 2xx or an ambiguous answer: a refused command left nothing, and every
//   batch, line and hold the ledger names was asked for. A value set again and again (a batch's
//   quantity, a warehouse's priority, a product's policy) is one that a write not overwritten
//   by a later acknowledged one put there.
// - `allocation verify` is clean.
// - Every change the ledger records was published at least once, and exactly once after
//   deduplication by message_id: line_allocated, line_deallocated, reservation_released and
//   reservation_expired against the movements allocated, released and unreserved.
// - No hold outlives its expiry plus one sweep.
namespace allocation::fault_run {

std::vector<std::string> check(const Cluster& cluster, const std::vector<Operation>& history);

}  // namespace allocation::fault_run
