#include "allocation/adapters/sql/pending_reallocations.hpp"

namespace allocation::adapters::sql::pending_reallocations {

void store(const domain::Product& product, Connection& connection) {
  for (const domain::Event& event : product.events()) {
    if (const auto* deallocated = std::get_if<domain::events::Deallocated>(&event)) {
      connection.execute(
          "INSERT INTO pending_reallocations (orderid, sku, qty, batchref)"
          " VALUES (:o, :s, :q, :b)",
          deallocated->orderid, deallocated->sku, deallocated->qty, deallocated->batchref);
    }
  }
}

void settle(const domain::events::Deallocated& settled, Connection& connection) {
  connection.execute("DELETE FROM pending_reallocations WHERE orderid = :o AND sku = :s",
                     settled.orderid, settled.sku);
}

std::vector<domain::events::Deallocated> list(Connection& connection) {
  std::vector<domain::events::Deallocated> pending;
  for (const auto& [orderid, sku, qty, batchref] :
       connection.query<std::string, std::string, int, std::string>(
           "SELECT orderid, sku, qty, batchref FROM pending_reallocations ORDER BY id")) {
    pending.push_back({*orderid, *sku, *qty, *batchref});
  }
  return pending;
}

}  // namespace allocation::adapters::sql::pending_reallocations
