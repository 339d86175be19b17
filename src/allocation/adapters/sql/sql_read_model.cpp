#include "allocation/adapters/sql/sql_read_model.hpp"

#include <soci/into.h>
#include <soci/session.h>
#include <soci/statement.h>
#include <soci/use.h>

namespace allocation::adapters::sql {

void SqlReadModel::add(std::string_view orderid, std::string_view sku, std::string_view batchref) {
  auto lease = database_->acquire();
  std::string o(orderid), s(sku), b(batchref);
  database_->translate_errors(lease, [&] {
    lease.session() << "INSERT INTO allocations_view (orderid, sku, batchref) VALUES (:o, :s, :b)"
                       " ON CONFLICT (orderid, sku) DO UPDATE SET batchref = excluded.batchref",
        soci::use(o), soci::use(s), soci::use(b);
  });
}

void SqlReadModel::remove(std::string_view orderid, std::string_view sku) {
  auto lease = database_->acquire();
  std::string o(orderid), s(sku);
  database_->translate_errors(lease, [&] {
    lease.session() << "DELETE FROM allocations_view WHERE orderid = :o AND sku = :s", soci::use(o),
        soci::use(s);
  });
}

std::vector<service_layer::AllocationRow> SqlReadModel::allocations(std::string_view orderid) {
  auto lease = database_->acquire();
  std::string o(orderid), sku, batchref;
  std::vector<service_layer::AllocationRow> rows;
  database_->translate_errors(
      lease, [&] {
        soci::statement query =
            (lease.session().prepare
                 << "SELECT sku, batchref FROM allocations_view WHERE orderid = :o ORDER BY id",
             soci::use(o), soci::into(sku), soci::into(batchref));
        query.execute();
        while (query.fetch()) rows.push_back({sku, batchref});
      });
  return rows;
}

}  // namespace allocation::adapters::sql
