#pragma once

#include <optional>
#include <string>
#include <vector>

#include "allocation/adapters/outgoing_message.hpp"
#include "allocation/adapters/sql/connection.hpp"
#include "allocation/domain/product.hpp"
#include "allocation/service_layer/stock_movements.hpp"

// PostgreSQL, the most common change: one line allocated to one batch, written with its
// outgoing message and its ledger movement in one statement on its own. An allocation then takes 2
// round trips (read, write) instead of 7 (BEGIN, read, 4 writes, COMMIT).
namespace allocation::adapters::sql {

// A product changed by one line allocated to one batch, and the message and the ledger movement
// that tell of it (its Allocated event's).
struct NewLine {
  const domain::Product& product;
  int loaded_version;
  const domain::Batch& batch;
  const domain::OrderLine& line;
  OutgoingMessage message;
  service_layer::Movement movement;
  std::string at;  // the time of the movement (RFC 3339 UTC)
  // The version of the warehouses' priorities the product was read with (write_assumed_line).
  std::optional<long long> priorities_version;
};

// How a one-statement write begins: `WITH version AS (...)`, the update that moves the product's
// version from the one read (parameters :v, :sku, :old, then those of `condition`, the rest of
// its WHERE), which has the product's sku only when it updated the row. Each change of the
// statement is written only if `version` has a row, and the statement ends with
// `SELECT COUNT(*) FROM version`.
std::string moving_version(const std::string& condition);

// What a one-statement write answers with its version check (`SELECT COUNT(*) FROM version`):
// throws service_layer::ConcurrencyError unless it moved the version of `product`, which it
// needed to write anything.
void require_version_moved(const std::vector<Row<long long>>& written,
                           const domain::Product& product);

// Writes `change` in one statement, which the version check guards. Throws
// service_layer::ConcurrencyError, having written nothing, when the product changed since it was
// read. (The check is made inside the write, so that a turn of a group that lost is known to
// have written nothing: see ProductGroupCommit::Turn.)
void write_line(const NewLine& change, Connection& connection);

// For a product its group knew (ProductInGroupRepository): writes `change` in one statement
// that writes nothing unless the product's version and the priorities' version are still those
// assumed and the order has no line of the product. Throws AssumptionUnconfirmed, having written
// nothing, when one of them is not.
void write_assumed_line(const NewLine& change, Connection& connection);

}  // namespace allocation::adapters::sql
