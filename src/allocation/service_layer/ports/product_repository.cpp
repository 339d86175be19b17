#include "allocation/service_layer/ports/product_repository.hpp"

#include <stdexcept>

namespace allocation::service_layer {

domain::Product& ProductRepository::add(domain::Product product) {
  const std::string sku = product.sku();
  auto [it, inserted] = seen_.try_emplace(sku, TrackedProduct{std::move(product), std::nullopt});
  if (!inserted) throw std::logic_error("product " + sku + " is already in this unit of work");
  return it->second.product;
}

domain::Product* ProductRepository::get(std::string_view sku, std::string_view orderid,
                                        std::string_view hold_id) {
  if (auto it = seen_.find(sku); it != seen_.end()) return &it->second.product;
  return remember(load(sku, orderid, hold_id));
}

domain::Product* ProductRepository::get_by_batchref(std::string_view reference) {
  for (auto& [sku, tracked] : seen_) {
    if (tracked.product.batch(reference)) return &tracked.product;
  }
  return remember(load_by_batchref(reference));
}

domain::Product* ProductRepository::get_by_hold(std::string_view id) {
  for (auto& [sku, tracked] : seen_) {
    if (tracked.product.holds().find(id)) return &tracked.product;
  }
  return remember(load_by_hold(id));
}

domain::Product* ProductRepository::remember(std::optional<domain::Product> loaded) {
  if (!loaded) return nullptr;
  const std::string sku = loaded->sku();
  const int version = loaded->version_number();
  // A product seen already stays the one handed out: loading it again must not fork it.
  auto [it, inserted] = seen_.try_emplace(sku, TrackedProduct{std::move(*loaded), version});
  return &it->second.product;
}

}  // namespace allocation::service_layer
