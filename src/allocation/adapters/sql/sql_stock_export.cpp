#include "allocation/adapters/sql/sql_stock_export.hpp"

#include "allocation/adapters/sql/connection.hpp"
#include "allocation/adapters/sql/sql_order_lines.hpp"
#include "allocation/adapters/sql/stored_date.hpp"

namespace allocation::adapters::sql {

std::vector<service_layer::ExportedBatch> SqlStockExport::batches(long long after, int limit) {
  auto lease = database_->acquire();
  Connection connection = lease.connection();
  std::vector<service_layer::ExportedBatch> page;
  database_->run_first(lease, [&] {
    page.clear();
    const auto rows =
        connection
            .query<long long, std::string, std::string, int, std::string, std::string, std::string>(
                "SELECT id, reference, sku, purchased_quantity, eta, warehouse, expires"
                " FROM batches WHERE id > :after ORDER BY id LIMIT :n",
                after, limit);
    for (const auto& [id, ref, sku, qty, eta, warehouse, expires] : rows) {
      page.push_back(
          {*id, *ref, *sku, *qty, date_from_store(eta), *warehouse, date_from_store(expires)});
    }
  });
  return page;
}

std::vector<service_layer::ExportedAllocation> SqlStockExport::allocations(long long after,
                                                                           int limit) {
  auto lease = database_->acquire();
  Connection connection = lease.connection();
  std::vector<service_layer::ExportedAllocation> page;
  database_->run_first(lease, [&] {
    page.clear();
    const auto rows =
        connection.query<long long, std::string, std::string, int, int, std::string, int>(
            "SELECT id, orderid, sku, COALESCE(line_qty, qty), state, batchref, qty"
            " FROM allocations WHERE id > :after ORDER BY id LIMIT :n",
            after, limit);
    for (const auto& [id, orderid, sku, line_qty, state, batchref, qty] : rows) {
      page.push_back({*id, *orderid, *sku, *line_qty, line_status(*state), batchref, *qty});
    }
  });
  return page;
}

std::vector<service_layer::StoredMovement> SqlStockExport::movements(long long after, int limit) {
  auto lease = database_->acquire();
  Connection connection = lease.connection();
  std::vector<service_layer::StoredMovement> page;
  database_->run_first(lease, [&] {
    page.clear();
    const auto rows = connection.query<long long, std::string, std::string, std::string,
                                       std::string, int, std::string, std::string, std::string>(
        "SELECT seq, at, sku, batchref, kind, qty, orderid, reason, reservation"
        " FROM movements WHERE seq > :after ORDER BY seq LIMIT :n",
        after, limit);
    for (const auto& [seq, at, sku, batchref, kind, qty, orderid, reason, reservation] : rows) {
      page.push_back({*seq, *at, *sku, *batchref, *kind, *qty, orderid, reason, reservation});
    }
  });
  return page;
}

}  // namespace allocation::adapters::sql
