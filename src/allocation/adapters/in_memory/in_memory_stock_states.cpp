#include "allocation/adapters/in_memory/in_memory_stock_states.hpp"

#include <algorithm>

namespace allocation::adapters {

std::optional<service_layer::ProductStock> InMemoryStockStates::product(std::string_view sku) {
  return store_->product_stock(sku);
}

service_layer::ProductPage InMemoryStockStates::products(std::string_view after, int limit) {
  const auto wanted = static_cast<std::size_t>(std::max(limit, 0));
  service_layer::ProductPage page{store_->product_stocks(after, wanted + 1), std::nullopt};
  if (page.products.size() > wanted) {
    page.products.pop_back();
    if (!page.products.empty()) page.next = page.products.back().sku;
  }
  return page;
}

std::optional<service_layer::BatchStock> InMemoryStockStates::batch(std::string_view reference) {
  const auto sku = store_->sku_of_batch(reference);
  if (!sku) return std::nullopt;
  const auto product = store_->product_stock(*sku);
  if (!product) return std::nullopt;
  for (const auto& batch : product->batches) {
    if (batch.reference == reference) return batch;
  }
  return std::nullopt;
}

}  // namespace allocation::adapters
