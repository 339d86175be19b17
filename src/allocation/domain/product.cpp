#include "allocation/domain/product.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "allocation/domain/errors.hpp"

namespace allocation::domain {

namespace {

// Warehouse stock (no eta) before any shipment, shipments by eta.
bool arrives_earlier(const Batch& a, const Batch& b) {
  if (!a.eta()) return b.eta().has_value();
  return b.eta() && *a.eta() < *b.eta();
}

// The batch that holds the order's line already, if any. The line is the same only with the same
// qty: answering another qty with the old batch would tell the client it got what it did not.
const Batch* holding_the_line(const std::vector<Batch>& batches, const OrderLine& line) {
  for (const Batch& batch : batches) {
    const OrderLine* existing = batch.line_of(line.orderid());
    if (!existing) continue;
    if (existing->qty() != line.qty()) {
      throw LineConflict(line.orderid(), line.sku(), existing->qty());
    }
    return &batch;
  }
  return nullptr;
}

}  // namespace

Product::Product(std::string sku, std::vector<Batch> batches, int version_number)
    : sku_(std::move(sku)), version_number_(version_number), batches_(std::move(batches)) {
  if (sku_.empty()) throw std::invalid_argument("a product needs a sku");
}

const Batch* Product::batch(std::string_view reference) const {
  auto it = std::find_if(batches_.begin(), batches_.end(),
                         [&](const Batch& b) { return b.reference() == reference; });
  return it == batches_.end() ? nullptr : &*it;
}

Batch* Product::find_batch(std::string_view reference) {
  return const_cast<Batch*>(std::as_const(*this).batch(reference));
}

bool Product::add_batch(Batch batch) {
  if (batch.sku() != sku_) {
    throw std::invalid_argument("batch " + batch.reference() + " is not of sku " + sku_);
  }
  if (const Batch* existing = this->batch(batch.reference())) {
    if (existing->has_same_data(batch)) return false;
    throw BatchConflict(batch.reference());
  }
  batches_.push_back(std::move(batch));
  ++version_number_;
  return true;
}

std::optional<std::string> Product::allocate(const OrderLine& line) {
  if (line.sku() != sku_) {
    throw std::invalid_argument("order line of sku " + line.sku() + " given to sku " + sku_);
  }
  if (const Batch* holder = holding_the_line(batches_, line)) return holder->reference();
  // Stable: of equally early batches the first added wins.
  Batch* chosen = nullptr;
  for (Batch& batch : batches_) {
    if (batch.can_allocate(line) && (!chosen || arrives_earlier(batch, *chosen))) {
      chosen = &batch;
    }
  }
  if (!chosen) {
    events_.emplace_back(events::OutOfStock{sku_});
    return std::nullopt;
  }
  chosen->allocate(line);
  ++version_number_;
  events_.emplace_back(events::Allocated{line.orderid(), sku_, line.qty(), chosen->reference()});
  return chosen->reference();
}

void Product::change_batch_quantity(std::string_view reference, int quantity) {
  Batch* batch = find_batch(reference);
  if (!batch) throw UnknownBatch(std::string(reference));
  batch->set_purchased_quantity(quantity);
  ++version_number_;
  while (batch->available_quantity() < 0) {
    OrderLine line = batch->deallocate_most_recent();
    events_.emplace_back(events::Deallocated{line.orderid(), line.sku(), line.qty()});
  }
}

std::vector<Event> Product::take_events() { return std::exchange(events_, {}); }

}  // namespace allocation::domain
