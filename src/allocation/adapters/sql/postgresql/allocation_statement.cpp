#include "allocation/adapters/sql/postgresql/allocation_statement.hpp"

#include <string>

#include "allocation/adapters/sql/postgresql/product_in_group_repository.hpp"
#include "allocation/service_layer/errors.hpp"

namespace allocation::adapters::sql {

void require_version_moved(const std::vector<Row<long long>>& written,
                           const domain::Product& product) {
  if (*std::get<0>(written.at(0)) == 0) {
    throw service_layer::ConcurrencyError("product " + product.sku() +
                                          " changed since it was read");
  }
}

std::string moving_version(const std::string& condition) {
  return "WITH version AS ("
         "  UPDATE products SET version_number = :v"
         "  WHERE sku = :sku AND version_number = :old" +
         condition + "  RETURNING sku),";
}

namespace {

// One line allocated to one batch, with its message and movement, all written only if the
// product's row is updated: `condition` is the rest of that update's WHERE.
std::string line_statement(const char* condition) {
  return moving_version(condition) +
         " batch AS ("
         "  UPDATE batches SET allocated_quantity = :a"
         "  WHERE reference = :ref AND EXISTS (SELECT 1 FROM version)),"
         " line AS ("
         "  INSERT INTO allocations (orderid, sku, qty, batchref)"
         "  SELECT :o, sku, :q, :b FROM version),"
         " message AS ("
         "  INSERT INTO outbox (message_id, channel, payload) SELECT :m, :c, :p FROM version),"
         " movement AS ("
         "  INSERT INTO movements (at, sku, batchref, kind, qty, orderid)"
         "  SELECT :at, sku, :mb, :mk, :mq, :mo FROM version)"
         " SELECT COUNT(*) FROM version";
}

// Runs `sql`, a line_statement, for `change`; `checked` are the values of its condition's
// parameters, bound after the product's version.
template <class... Checked>
std::vector<Row<long long>> write_line_with(const std::string& sql, const NewLine& change,
                                            Connection& connection, const Checked&... checked) {
  return connection.query<long long>(
      sql, change.product.version_number(), change.product.sku(), change.loaded_version, checked...,
      change.batch.allocated_quantity(), change.batch.reference(), change.line.orderid(),
      change.line.qty(), change.batch.reference(), change.message.message_id,
      std::string(change.message.channel), change.message.payload, change.at,
      change.movement.batchref, std::string(change.movement.kind), change.movement.qty,
      change.movement.orderid);
}

}  // namespace

void write_line(const NewLine& change, Connection& connection) {
  static const std::string sql = line_statement("");
  require_version_moved(write_line_with(sql, change, connection), change.product);
}

void write_assumed_line(const NewLine& change, Connection& connection) {
  // The order's line in any state (allocated, waiting, released), or a part of it, is for the
  // product as stored to answer. Were the product's row as assumed, no line of it was written
  // since (any writer of its lines moves its version first), and the statement's snapshot,
  // taken with the row unchanged, sees every line there is.
  static const std::string sql = line_statement(
      " AND NOT EXISTS (SELECT 1 FROM allocations WHERE orderid = :o2 AND sku = :sku2)"
      " AND (SELECT version FROM warehouse_priorities_version) = :pv");
  if (!change.priorities_version) throw AssumptionUnconfirmed();
  const auto written = write_line_with(sql, change, connection, change.line.orderid(),
                                       change.product.sku(), *change.priorities_version);
  if (*std::get<0>(written.at(0)) == 0) throw AssumptionUnconfirmed();
}

}  // namespace allocation::adapters::sql
