#include "allocation/adapters/in_memory/in_memory_store.hpp"

#include "allocation/adapters/utc_time.hpp"
#include "allocation/service_layer/errors.hpp"
#include "allocation/service_layer/stock_movements.hpp"

namespace allocation::adapters {

std::optional<domain::Product> InMemoryStore::find(std::string_view sku) const {
  std::lock_guard lock(mutex_);
  auto it = products_.find(sku);
  if (it == products_.end()) return std::nullopt;
  return it->second;
}

std::optional<domain::Product> InMemoryStore::find_by_batchref(std::string_view reference) const {
  std::lock_guard lock(mutex_);
  auto owner = sku_by_batchref_.find(reference);
  if (owner == sku_by_batchref_.end()) return std::nullopt;
  return products_.at(owner->second);
}

void InMemoryStore::commit(const std::vector<const service_layer::TrackedProduct*>& changed,
                           const std::vector<domain::events::Deallocated>& settled) {
  std::lock_guard lock(mutex_);
  for (const auto* tracked : changed) {
    const auto& sku = tracked->product.sku();
    auto stored = products_.find(sku);
    const bool still_as_loaded =
        tracked->is_new() ? stored == products_.end()
                          : stored != products_.end() &&
                                stored->second.version_number() == *tracked->loaded_version;
    if (!still_as_loaded) throw service_layer::ConcurrencyError("product " + sku + " changed");
    for (const auto& batch : tracked->product.batches()) {
      auto owner = sku_by_batchref_.find(batch.reference());
      if (owner != sku_by_batchref_.end() && owner->second != sku) {
        throw service_layer::ConcurrencyError("batch " + batch.reference() + " was taken");
      }
    }
  }
  // A line is settled by (orderid, sku), as in the SQL store.
  for (const auto& done : settled) {
    std::erase_if(pending_reallocations_, [&](const domain::events::Deallocated& pending) {
      return pending.orderid == done.orderid && pending.sku == done.sku;
    });
  }
  const std::string at =
      format_utc(clock_ ? clock_->now() : std::chrono::system_clock::time_point{});
  for (const auto* tracked : changed) {
    for (const auto& event : tracked->product.events()) {
      for (auto& m : service_layer::stock_movements(event)) {
        const auto seq = static_cast<long long>(movements_.size()) + 1;
        movements_.push_back({seq, at, std::move(m.sku), std::move(m.batchref), std::string(m.kind),
                              m.qty, std::move(m.orderid),
                              m.reason ? std::optional<std::string>(*m.reason) : std::nullopt});
      }
      if (auto* deallocated = std::get_if<domain::events::Deallocated>(&event)) {
        pending_reallocations_.push_back(*deallocated);
      }
    }
    domain::Product copy = tracked->product;
    copy.take_events();  // events belong to the unit of work, not to the stored state
    for (const auto& batch : copy.batches()) sku_by_batchref_[batch.reference()] = copy.sku();
    products_.insert_or_assign(copy.sku(), std::move(copy));
    ++commits_;
  }
}

std::vector<domain::events::Deallocated> InMemoryStore::pending_reallocations() const {
  std::lock_guard lock(mutex_);
  return pending_reallocations_;
}

std::vector<service_layer::StoredMovement> InMemoryStore::movements() const {
  std::lock_guard lock(mutex_);
  return movements_;
}

std::vector<domain::Product> InMemoryStore::products() const {
  std::lock_guard lock(mutex_);
  std::vector<domain::Product> all;
  for (const auto& [sku, product] : products_) all.push_back(product);
  return all;
}

int InMemoryStore::commits() const {
  std::lock_guard lock(mutex_);
  return commits_;
}

}  // namespace allocation::adapters
