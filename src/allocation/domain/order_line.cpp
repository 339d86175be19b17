#include "allocation/domain/order_line.hpp"

#include <stdexcept>

namespace allocation::domain {

OrderLine::OrderLine(std::string orderid, std::string sku, int qty)
    : OrderLine(std::move(orderid), std::move(sku), qty, qty) {}

OrderLine::OrderLine(std::string orderid, std::string sku, int qty, int line_qty)
    : orderid_(std::move(orderid)), sku_(std::move(sku)), qty_(qty), line_qty_(line_qty) {
  if (orderid_.empty()) throw std::invalid_argument("an order line needs an orderid");
  if (sku_.empty()) throw std::invalid_argument("an order line needs a sku");
  if (qty_ <= 0) throw std::invalid_argument("an order line's qty must be > 0");
  if (line_qty_ < qty_) throw std::invalid_argument("a part of a line is at most the line");
}

}  // namespace allocation::domain
