#pragma once

#include <memory>

#include "allocation/adapters/sql/connection.hpp"
#include "allocation/adapters/sql/database.hpp"
#include "allocation/service_layer/ports/order_lines.hpp"

namespace allocation::adapters::sql {

// A line's status from its row's allocations.state: 0 allocated, 1 backordered (waiting),
// 2 cancelled (released), LineStatus's order (migration 10).
inline service_layer::LineStatus line_status(int state) {
  return static_cast<service_layer::LineStatus>(state);
}

// The order's lines from the tables that hold them, in one statement on `connection`.
std::vector<service_layer::OrderLineView> read_order_lines(Connection& connection,
                                                           std::string_view orderid);

// An order's lines from the tables that hold them: allocations (allocated, waiting and released
// lines) and pending_reallocations (taken off, not yet allocated again). One statement on a
// pooled connection.
class SqlOrderLines final : public service_layer::OrderLines {
 public:
  explicit SqlOrderLines(std::shared_ptr<Database> database) : database_(std::move(database)) {}

  std::vector<service_layer::OrderLineView> of_order(std::string_view orderid) override;

 private:
  std::shared_ptr<Database> database_;
};

}  // namespace allocation::adapters::sql
