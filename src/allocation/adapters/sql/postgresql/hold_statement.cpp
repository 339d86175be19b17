#include "allocation/adapters/sql/postgresql/hold_statement.hpp"

#include "allocation/service_layer/errors.hpp"

namespace allocation::adapters::sql {

void write_hold(const NewHold& change, Connection& connection) {
  const domain::Hold& hold = change.hold;
  const auto written = connection.query<long long>(
      "WITH version AS ("
      "  UPDATE products SET version_number = :v"
      "  WHERE sku = :sku AND version_number = :old RETURNING sku),"
      " batch AS ("
      "  UPDATE batches SET reserved_quantity = :r"
      "  WHERE reference = :ref AND EXISTS (SELECT 1 FROM version)),"
      " hold AS ("
      "  INSERT INTO reservations (id, sku, batchref, qty, expires_at, ttl_s)"
      "  SELECT :id, sku, :b, :q, :e, :t FROM version),"
      " movement AS ("
      "  INSERT INTO movements (at, sku, batchref, kind, qty, reservation)"
      "  SELECT :at, sku, :mb, :mk, :mq, :mh FROM version)"
      " SELECT COUNT(*) FROM version",
      change.product.version_number(), change.product.sku(), change.loaded_version,
      change.batch.reserved_quantity(), change.batch.reference(), hold.id(), hold.batchref(),
      hold.qty(), static_cast<long long>(hold.expires_at().time_since_epoch().count()),
      static_cast<int>(hold.ttl().count()), change.at, change.movement.batchref,
      std::string(change.movement.kind), change.movement.qty, change.movement.reservation);
  if (*std::get<0>(written.at(0)) == 0) {
    throw service_layer::ConcurrencyError("product " + change.product.sku() +
                                          " changed since it was read");
  }
}

}  // namespace allocation::adapters::sql
