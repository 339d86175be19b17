#include "allocation/adapters/sql/sqlite/stored_products.hpp"

namespace allocation::adapters::sql {

const StoredProducts::Known* StoredProducts::find(std::string_view sku) {
  auto found = by_sku_.find(sku);
  if (found == by_sku_.end()) return nullptr;
  entries_.splice(entries_.begin(), entries_, found->second);
  return &found->second->known;
}

void StoredProducts::remember(const domain::Product& product) {
  Known known{.version = product.version_number(),
              .batches = {},
              .priorities = product.warehouse_priorities().configured()};
  known.batches.reserve(product.batches().size());
  for (const domain::Batch& batch : product.batches()) {
    known.batches.push_back(domain::Batch::restore(
        batch.reference(), batch.sku(), batch.purchased_quantity(), batch.eta(),
        batch.allocated_quantity(), {}, batch.reserved_quantity(), batch.storage()));
  }
  forget(product.sku());
  batches_ += known.batches.size();
  entries_.push_front({product.sku(), std::move(known)});
  by_sku_.emplace(product.sku(), entries_.begin());
  // The one just remembered stays, however many batches it has.
  while (batches_ > max_batches_ && entries_.size() > 1) {
    const std::string oldest = entries_.back().sku;
    forget(oldest);
  }
}

void StoredProducts::forget(std::string_view sku) {
  auto found = by_sku_.find(sku);
  if (found == by_sku_.end()) return;
  batches_ -= found->second->known.batches.size();
  entries_.erase(found->second);
  by_sku_.erase(found);
}

void StoredProducts::forget_all() {
  by_sku_.clear();
  entries_.clear();
  batches_ = 0;
}

void StoredProducts::check_other_writers(Connection& connection) {
  const long long now = *std::get<0>(connection.query<long long>("PRAGMA data_version").front());
  if (now != data_version_) forget_all();
  data_version_ = now;
}

}  // namespace allocation::adapters::sql
