#include "allocation/adapters/sql/postgresql/known_products.hpp"

#include <string>

namespace allocation::adapters::sql {

std::optional<KnownProduct> KnownProducts::find(std::string_view sku) {
  std::lock_guard lock(mutex_);
  const KnownProduct* known = known_.find(sku);
  if (!known) return std::nullopt;
  KnownProduct copy = *known;
  copy.held = false;
  return copy;
}

void KnownProducts::remember(const KnownProduct& known) {
  std::lock_guard lock(mutex_);
  known_.remember(known.product.sku(), known, known.product.batches().size());
}

void KnownProducts::forget(std::string_view sku) {
  std::lock_guard lock(mutex_);
  known_.forget(sku);
}

}  // namespace allocation::adapters::sql
