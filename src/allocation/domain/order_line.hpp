#pragma once

#include <string>

namespace allocation::domain {

// What a customer ordered of one SKU, or the part of it one batch took when the line was split
// across batches (SPEC §6): a value object, equal when all its fields are.
class OrderLine {
 public:
  // A whole line. Throws std::invalid_argument for an empty orderid or sku, or a qty that is
  // not > 0.
  OrderLine(std::string orderid, std::string sku, int qty);
  // `qty` units of a line of `line_qty` units; a part of all of them is the whole line. Throws
  // std::invalid_argument as above, and when line_qty < qty.
  OrderLine(std::string orderid, std::string sku, int qty, int line_qty);

  const std::string& orderid() const { return orderid_; }
  const std::string& sku() const { return sku_; }
  int qty() const { return qty_; }
  // The units the order asked for: qty() for a whole line.
  int line_qty() const { return line_qty_; }
  bool is_part() const { return qty_ < line_qty_; }
  // `qty` units of the same line.
  OrderLine part(int qty) const { return OrderLine(orderid_, sku_, qty, line_qty_); }

  friend bool operator==(const OrderLine&, const OrderLine&) = default;

 private:
  std::string orderid_;
  std::string sku_;
  int qty_;
  int line_qty_;
};

// Units of an order's line in one batch.
struct LinePart {
  std::string batchref;
  int qty;
  friend bool operator==(const LinePart&, const LinePart&) = default;
};

}  // namespace allocation::domain
