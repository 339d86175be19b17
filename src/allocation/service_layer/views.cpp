#include "allocation/service_layer/views.hpp"

namespace allocation::service_layer::views {

std::optional<ProductView> product(std::string_view sku, UnitOfWork& uow) {
  std::optional<ProductView> view;
  uow.perform([&] {
    const domain::Product* product = uow.products().get(sku);
    if (!product) return;
    view = ProductView{product->sku(), product->version_number(), {}};
    for (const auto& batch : product->batches()) {
      view->batches.push_back({batch.reference(), batch.eta(), batch.purchased_quantity(),
                               batch.allocated_quantity(), batch.available_quantity()});
    }
  });
  return view;
}

}  // namespace allocation::service_layer::views
