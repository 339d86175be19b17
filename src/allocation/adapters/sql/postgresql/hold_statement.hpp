#pragma once

#include <optional>
#include <string>
#include <vector>

#include "allocation/adapters/outgoing_message.hpp"
#include "allocation/adapters/sql/connection.hpp"
#include "allocation/domain/product.hpp"
#include "allocation/service_layer/stock_movements.hpp"

// PostgreSQL, a checkout's two steps, each written in one statement on its own like an
// allocation (allocation_statement.hpp): one hold taking units of one batch, with its ledger
// movement, 2 round trips (read, write) instead of 6 (BEGIN, read, 3 writes, COMMIT), or 1 from
// a product this process knows (write_assumed_hold); the line the hold becomes, 2 instead of 10,
// or 1 from a hold this process made (write_assumed_held_line).
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
  // The version of the warehouses' priorities the product was ranked with, when it was assumed.
  std::optional<long long> priorities_version;
};

// Writes `change` in one statement, which the version check guards. Throws
// service_layer::ConcurrencyError, having written nothing, when the product changed since it was
// read, or when a hold of the same id ended meanwhile (an id names one hold for good); a hold
// of the same id made meanwhile (by another product too) is a unique violation, the same lost
// race.
void write_hold(const NewHold& change, Connection& connection);

// The same for a hold of a product assumed (ProductInGroupRepository), whose id is assumed new:
// the statement also checks that no hold, live or ended, has the id, and the version of the
// priorities. Throws AssumptionUnconfirmed, having written nothing, when one of its checks
// fails.
void write_assumed_hold(const NewHold& change, Connection& connection);

// A product changed by one hold consumed by a line allocated to the hold's batch, the message
// that tells of the line, and the movements of both, in the order of their events
// (ReservationConsumed's, then Allocated's).
struct HeldLine {
  const domain::Product& product;
  int loaded_version;
  const domain::Batch& batch;
  const domain::Hold& hold;
  const domain::OrderLine& line;
  OutgoingMessage message;
  std::vector<service_layer::Movement> movements;  // two
  std::string at;
};

// Writes `change` in one statement, which the version check guards: the batch, the line, the
// hold ended, the message, the movements. Throws service_layer::ConcurrencyError, having
// written nothing, when the product changed since it was read.
void write_held_line(const HeldLine& change, Connection& connection);

// The same for a line and its hold assumed (ProductInGroupRepository::assumed_held_line): the
// statement also checks that the order has no line of the product and that the hold is stored as
// it is in `change`. Throws AssumptionUnconfirmed, having written nothing, when one of its checks
// fails.
void write_assumed_held_line(const HeldLine& change, Connection& connection);

}  // namespace allocation::adapters::sql
