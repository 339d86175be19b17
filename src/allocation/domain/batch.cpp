#include "allocation/domain/batch.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace allocation::domain {

Batch::Batch(std::string reference, std::string sku, int purchased_quantity,
             std::optional<Date> eta, Storage storage)
    : reference_(std::move(reference)),
      sku_(std::move(sku)),
      purchased_quantity_(purchased_quantity),
      eta_(eta),
      storage_(std::move(storage)) {
  if (reference_.empty()) throw std::invalid_argument("a batch needs a reference");
  if (sku_.empty()) throw std::invalid_argument("a batch needs a sku");
  if (storage_.warehouse.empty()) throw std::invalid_argument("a batch needs a warehouse");
  if (purchased_quantity_ < 0) throw std::invalid_argument("a batch's qty must be >= 0");
}

Batch Batch::restore(std::string reference, std::string sku, int purchased_quantity,
                     std::optional<Date> eta, int allocated_quantity,
                     std::vector<OrderLine> loaded_lines, int reserved_quantity, Storage storage) {
  Batch batch(std::move(reference), std::move(sku), purchased_quantity, eta, std::move(storage));
  batch.allocated_quantity_ = allocated_quantity;
  batch.reserved_quantity_ = reserved_quantity;
  batch.lines_ = std::move(loaded_lines);
  return batch;
}

bool Batch::all_lines_loaded() const {
  const int loaded = std::accumulate(lines_.begin(), lines_.end(), 0,
                                     [](int sum, const OrderLine& l) { return sum + l.qty(); });
  return loaded == allocated_quantity_;
}

bool Batch::can_allocate(const OrderLine& line) const {
  return line.sku() == sku_ && available_quantity() >= line.qty();
}

const OrderLine* Batch::line_of(std::string_view orderid) const {
  auto it = std::find_if(lines_.begin(), lines_.end(),
                         [&](const OrderLine& l) { return l.orderid() == orderid; });
  return it == lines_.end() ? nullptr : &*it;
}

bool Batch::has_same_data(const Batch& other) const {
  return sku_ == other.sku_ && purchased_quantity_ == other.purchased_quantity_ &&
         eta_ == other.eta_ && storage_ == other.storage_;
}

void Batch::allocate(const OrderLine& line) {
  if (!line.is_part() && std::find(lines_.begin(), lines_.end(), line) != lines_.end()) return;
  auto same_line = std::find_if(lines_.begin(), lines_.end(), [&](const OrderLine& l) {
    return l.orderid() == line.orderid() && l.line_qty() == line.line_qty() && l.is_part();
  });
  if (line.is_part() && same_line != lines_.end()) {
    // One part per batch: the units join the part it has, which is now its most recent line.
    const OrderLine merged = line.part(same_line->qty() + line.qty());
    lines_.erase(same_line);
    lines_.push_back(merged);
  } else {
    lines_.push_back(line);
  }
  allocated_quantity_ += line.qty();
}

OrderLine Batch::deallocate_most_recent() {
  if (lines_.empty() || !all_lines_loaded()) {
    throw std::logic_error("batch " + reference_ + ": its lines were not loaded");
  }
  OrderLine line = lines_.back();
  lines_.pop_back();
  allocated_quantity_ -= line.qty();
  return line;
}

std::optional<OrderLine> Batch::release(std::string_view orderid) {
  auto it = std::find_if(lines_.begin(), lines_.end(),
                         [&](const OrderLine& l) { return l.orderid() == orderid; });
  if (it == lines_.end()) return std::nullopt;
  OrderLine line = std::move(*it);
  lines_.erase(it);
  allocated_quantity_ -= line.qty();
  return line;
}

void Batch::set_purchased_quantity(int quantity) {
  if (quantity < 0) throw std::invalid_argument("a batch's qty must be >= 0");
  purchased_quantity_ = quantity;
}

}  // namespace allocation::domain
