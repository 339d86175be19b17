#include "allocation/adapters/sql/postgresql/allocation_statement.hpp"

#include <stdexcept>

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

void write_line(const NewLine& change, Connection& connection) {
  const auto written = connection.query<long long>(
      "WITH version AS ("
      "  UPDATE products SET version_number = :v"
      "  WHERE sku = :sku AND version_number = :old RETURNING sku),"
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
      " SELECT COUNT(*) FROM version",
      change.product.version_number(), change.product.sku(), change.loaded_version,
      change.batch.allocated_quantity(), change.batch.reference(), change.line.orderid(),
      change.line.qty(), change.batch.reference(), change.message.message_id,
      std::string(change.message.channel), change.message.payload, change.at,
      change.movement.batchref, std::string(change.movement.kind), change.movement.qty,
      change.movement.orderid);
  require_version_moved(written, change.product);
}

void write_assumed_line(const NewLine& change, Connection& connection) {
  const auto written = connection.query<long long, long long>(
      "WITH line AS ("
      // The order's line in any state (allocated, waiting, released), or a part of it, is a
      // conflict: what the product as stored must answer. The group's transaction holds the
      // product's row, which any writer of its lines updates first, so no line of it can be
      // written meanwhile, and this read sees every one there is.
      "  INSERT INTO allocations (orderid, sku, qty, batchref) SELECT :o, :sku, :q, :b"
      "  WHERE NOT EXISTS (SELECT 1 FROM allocations WHERE orderid = :o2 AND sku = :sku2)"
      "  RETURNING sku, batchref),"
      " version AS ("
      "  UPDATE products p SET version_number = :v FROM line"
      "  WHERE p.sku = line.sku AND p.version_number = :old RETURNING p.sku),"
      " batch AS ("
      "  UPDATE batches b SET allocated_quantity = :a FROM line"
      "  WHERE b.reference = line.batchref),"
      " message AS ("
      "  INSERT INTO outbox (message_id, channel, payload) SELECT :m, :c, :p FROM line),"
      " movement AS ("
      "  INSERT INTO movements (at, sku, batchref, kind, qty, orderid)"
      "  SELECT :at, sku, :mb, :mk, :mq, :mo FROM line)"
      " SELECT (SELECT COUNT(*) FROM line), (SELECT COUNT(*) FROM version)",
      change.line.orderid(), change.product.sku(), change.line.qty(), change.batch.reference(),
      change.line.orderid(), change.product.sku(), change.product.version_number(),
      change.loaded_version, change.batch.allocated_quantity(), change.message.message_id,
      std::string(change.message.channel), change.message.payload, change.at,
      change.movement.batchref, std::string(change.movement.kind), change.movement.qty,
      change.movement.orderid);
  const auto& [lines, versions] = written.at(0);
  if (*lines == 0) throw AssumptionUnconfirmed();
  // The group's transaction holds the product's row since it last wrote it, so nothing can
  // have moved its version. Were it to happen, this error spoils the group's transaction, which
  // is rolled back with the line.
  if (*versions == 0)
    throw std::logic_error("product " + change.product.sku() + " changed in a group");
}

}  // namespace allocation::adapters::sql
