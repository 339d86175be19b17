#include "allocation/adapters/sql/movement_writer.hpp"

#include <optional>

#include "allocation/service_layer/stock_movements.hpp"

namespace allocation::adapters::sql {

void store_movements(const domain::Product& product, const std::string& at,
                     Connection& connection) {
  for (const domain::Event& event : product.events()) {
    for (const auto& movement : service_layer::stock_movements(event)) {
      const std::optional<std::string> reason =
          movement.reason ? std::optional<std::string>(*movement.reason) : std::nullopt;
      connection.execute(
          "INSERT INTO movements (at, sku, batchref, kind, qty, orderid, reason, reservation)"
          " VALUES (:at, :sku, :b, :k, :q, :o, :r, :h)",
          at, movement.sku, movement.batchref, std::string(movement.kind), movement.qty,
          movement.orderid, reason, movement.reservation);
    }
  }
}

}  // namespace allocation::adapters::sql
