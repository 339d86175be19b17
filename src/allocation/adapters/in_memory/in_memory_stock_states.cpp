#include "allocation/adapters/in_memory/in_memory_stock_states.hpp"

#include <algorithm>

namespace allocation::adapters {

std::optional<service_layer::ProductStock> InMemoryStockStates::product(std::string_view sku,
                                                                        domain::Date today) {
  return store_->product_stock(sku, today);
}

service_layer::ProductPage InMemoryStockStates::products(std::string_view after, int limit,
                                                         domain::Date today) {
  const auto wanted = static_cast<std::size_t>(std::max(limit, 0));
  service_layer::ProductPage page{store_->product_stocks(after, wanted + 1, today), std::nullopt};
  if (page.products.size() > wanted) {
    page.products.pop_back();
    if (!page.products.empty()) page.next = page.products.back().sku;
  }
  return page;
}

std::optional<service_layer::BatchStock> InMemoryStockStates::batch(std::string_view reference) {
  const auto sku = store_->sku_of_batch(reference);
  if (!sku) return std::nullopt;
  // Any day: a batch's own figures do not depend on it.
  const auto product = store_->product_stock(*sku, domain::Date{});
  if (!product) return std::nullopt;
  for (const auto& batch : product->batches) {
    if (batch.reference == reference) return batch;
  }
  return std::nullopt;
}

}  // namespace allocation::adapters
