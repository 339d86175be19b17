#pragma once

#include <string>

namespace allocation::domain {

// What a customer ordered of one SKU: a value object, equal when all three fields are.
class OrderLine {
 public:
  // Throws std::invalid_argument for an empty orderid or sku, or a qty that is not > 0.
  OrderLine(std::string orderid, std::string sku, int qty);

  const std::string& orderid() const { return orderid_; }
  const std::string& sku() const { return sku_; }
  int qty() const { return qty_; }

  friend bool operator==(const OrderLine&, const OrderLine&) = default;

 private:
  std::string orderid_;
  std::string sku_;
  int qty_;
};

}  // namespace allocation::domain
