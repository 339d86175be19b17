#pragma once

#include <memory>

#include "allocation/adapters/sql/database.hpp"
#include "allocation/service_layer/ports/idempotency_keys.hpp"

namespace allocation::adapters::sql {

// The answers of table idempotency_keys; each call one statement on a pooled connection.
class SqlIdempotencyKeys final : public service_layer::IdempotencyKeys {
 public:
  explicit SqlIdempotencyKeys(std::shared_ptr<Database> database)
      : database_(std::move(database)) {}

  // The oldest first, through index idempotency_keys_by_age. Processes that sweep at once
  // delete each row once: one of them finds it gone.
  int forget_before(domain::Instant cutoff, int limit) override;

 private:
  std::shared_ptr<Database> database_;
};

}  // namespace allocation::adapters::sql
