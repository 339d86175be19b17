#include "allocation/adapters/sql/pending_reallocations.hpp"

#include <soci/into.h>
#include <soci/session.h>

namespace allocation::adapters::sql::pending_reallocations {

void store(const domain::Product& product, Connection& connection) {
  for (const domain::Event& event : product.events()) {
    if (const auto* deallocated = std::get_if<domain::events::Deallocated>(&event)) {
      connection.execute(
          "INSERT INTO pending_reallocations (orderid, sku, qty, batchref, line_qty)"
          " VALUES (:o, :s, :q, :b, :l)",
          deallocated->orderid, deallocated->sku, deallocated->qty, deallocated->batchref,
          deallocated->line_qty);
    }
  }
}

void settle(const domain::events::Deallocated& settled, Connection& connection) {
  // By batch too: the parts of a split line taken off are allocated again each alone.
  connection.execute(
      "DELETE FROM pending_reallocations WHERE orderid = :o AND sku = :s AND batchref = :b",
      settled.orderid, settled.sku, settled.batchref);
}

std::vector<domain::events::Deallocated> list(Connection& connection) {
  std::vector<domain::events::Deallocated> pending;
  for (const auto& [orderid, sku, qty, batchref, line_qty] :
       connection.query<std::string, std::string, int, std::string, int>(
           "SELECT orderid, sku, qty, batchref, line_qty FROM pending_reallocations ORDER BY id")) {
    pending.push_back({*orderid, *sku, *qty, *batchref, line_qty});
  }
  return pending;
}

long long count(Database& database) {
  auto lease = database.acquire();
  long long kept = 0;
  database.run_first(lease, [&] {
    lease.session() << "SELECT COUNT(*) FROM pending_reallocations", soci::into(kept);
  });
  return kept;
}

}  // namespace allocation::adapters::sql::pending_reallocations
