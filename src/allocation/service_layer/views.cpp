#include "allocation/service_layer/views.hpp"

namespace allocation::service_layer::views {

std::optional<ProductView> product(std::string_view sku, UnitsOfWork& units_of_work) {
  std::optional<ProductView> view;
  units_of_work.perform([&](UnitOfWork& uow) {
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
