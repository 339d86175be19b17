#include "allocation/service_layer/ports/stock_states.hpp"

namespace allocation::service_layer {

void ProductStock::add(BatchStock batch, domain::Date today) {
  (batch.eta ? incoming : on_hand) += batch.purchased;
  allocated += batch.allocated;
  reserved += batch.reserved;
  if (!batch.expires || *batch.expires >= today) available += batch.available;
  batches.push_back(std::move(batch));
}

}  // namespace allocation::service_layer
