#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace allocation::service_layer {

enum class LineStatus { allocated, backordered, cancelled };

// The name clients see (SPEC §7.1).
constexpr const char* status_name(LineStatus status) {
  switch (status) {
    case LineStatus::allocated:
      return "allocated";
    case LineStatus::backordered:
      return "backordered";
    case LineStatus::cancelled:
      return "cancelled";
  }
  return "unknown";
}

// Units of a line in one batch.
struct OrderPart {
  std::string batchref;
  int qty;
  friend bool operator==(const OrderPart&, const OrderPart&) = default;
};

// One line of an order as it stands (SPEC §7.1).
struct OrderLineView {
  std::string sku;
  int qty;
  LineStatus status;
  // The batches holding it; none while it waits, once released, or while a quantity change
  // has taken it off its batch and its reallocation has not run yet (allocated, no part).
  std::vector<OrderPart> allocations;
  friend bool operator==(const OrderLineView&, const OrderLineView&) = default;
};

// An order's lines from one row per part (a line in one batch, or split across several: SPEC
// §6) or per waiting, released or taken-off line, each as a view of its line's qty with at most
// one allocation: the rows of one SKU become one line, allocated when any part is, by SKU.
std::vector<OrderLineView> lines_from_parts(std::vector<OrderLineView> rows);

// Port: an order's lines across products, read without loading any (the query side). Safe to
// use from many threads.
class OrderLines {
 public:
  virtual ~OrderLines() = default;
  // Every line the order has or had, by SKU; empty for an order never seen.
  virtual std::vector<OrderLineView> of_order(std::string_view orderid) = 0;
};

}  // namespace allocation::service_layer
