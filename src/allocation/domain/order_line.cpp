#include "allocation/domain/order_line.hpp"

#include <stdexcept>

namespace allocation::domain {

OrderLine::OrderLine(std::string orderid, std::string sku, int qty)
    : orderid_(std::move(orderid)), sku_(std::move(sku)), qty_(qty) {
  if (orderid_.empty()) throw std::invalid_argument("an order line needs an orderid");
  if (sku_.empty()) throw std::invalid_argument("an order line needs a sku");
  if (qty_ <= 0) throw std::invalid_argument("an order line's qty must be > 0");
}

}  // namespace allocation::domain
