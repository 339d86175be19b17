#include "allocation/adapters/sql/sql_order_lines.hpp"

#include "allocation/adapters/sql/connection.hpp"

namespace allocation::adapters::sql {

std::vector<service_layer::OrderLineView> read_order_lines(Connection& connection,
                                                           std::string_view orderid) {
  const std::string o(orderid);
  std::vector<service_layer::OrderLineView> lines;
  // A row per part of a split line (SPEC §6), each with its line's qty.
  for (const auto& [sku, line_qty, qty, status, batchref] :
       connection.query<std::string, int, int, int, std::string>(
           "SELECT sku, COALESCE(line_qty, qty), qty, state, batchref FROM allocations"
           " WHERE orderid = :o1"
           " UNION ALL SELECT sku, COALESCE(line_qty, qty), qty, 0, NULL FROM pending_reallocations"
           " WHERE orderid = :o2 ORDER BY 1",
           o, o)) {
    service_layer::OrderLineView line{*sku, *line_qty, line_status(*status), {}};
    if (batchref) line.allocations.push_back({*batchref, *qty});
    lines.push_back(std::move(line));
  }
  return service_layer::lines_from_parts(std::move(lines));
}

std::vector<service_layer::OrderLineView> SqlOrderLines::of_order(std::string_view orderid) {
  auto lease = database_->acquire();
  Connection connection = lease.connection();
  std::vector<service_layer::OrderLineView> lines;
  database_->run_first(lease, [&] { lines = read_order_lines(connection, orderid); });
  return lines;
}

}  // namespace allocation::adapters::sql
