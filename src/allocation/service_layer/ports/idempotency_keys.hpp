#pragma once

#include "allocation/domain/hold.hpp"

namespace allocation::service_layer {

// Port: the answers recorded under idempotency keys (UnitOfWork::record_answer), as a whole:
// what the sweep forgets once they expire. Thread-safe, and safe for several processes at once.
class IdempotencyKeys {
 public:
  IdempotencyKeys() = default;
  IdempotencyKeys(const IdempotencyKeys&) = delete;
  IdempotencyKeys& operator=(const IdempotencyKeys&) = delete;
  virtual ~IdempotencyKeys() = default;

  // Forgets up to `limit` answers recorded before `cutoff`; returns how many it forgot.
  virtual int forget_before(domain::Instant cutoff, int limit) = 0;
};

}  // namespace allocation::service_layer
