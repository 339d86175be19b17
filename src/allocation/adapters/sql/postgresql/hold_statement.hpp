#pragma once

#include <string>

#include "allocation/adapters/sql/connection.hpp"
#include "allocation/domain/product.hpp"
#include "allocation/service_layer/stock_movements.hpp"

// PostgreSQL, a checkout's first step: one hold taking units of one batch, written with its
// ledger movement in one statement on its own, like an allocation (allocation_statement.hpp):
// 2 round trips (read, write) instead of 6 (BEGIN, read, 3 writes, COMMIT).
namespace allocation::adapters::sql {

// A product changed by one new hold in one batch, and the movement that tells of it (its
// Reserved event's). A Reserved event is not published: no outgoing message.
struct NewHold {
  const domain::Product& product;
  int loaded_version;
  const domain::Batch& batch;
  const domain::Hold& hold;
  service_layer::Movement movement;
  std::string at;  // the time of the movement (RFC 3339 UTC)
};

// Writes `change` in one statement, which the version check guards. Throws
// service_layer::ConcurrencyError, having written nothing, when the product changed since it was
// read; a hold of the same id made meanwhile (by another product too) is a unique violation,
// the same lost race.
void write_hold(const NewHold& change, Connection& connection);

}  // namespace allocation::adapters::sql
