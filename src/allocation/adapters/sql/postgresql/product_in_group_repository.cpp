#include "allocation/adapters/sql/postgresql/product_in_group_repository.hpp"

namespace allocation::adapters::sql {

std::optional<domain::Product> ProductInGroupRepository::load(std::string_view sku,
                                                              std::string_view orderid) {
  if (known_ && *known_ && (*known_)->sku() == sku) {
    assumed_ = !orderid.empty();
    remember_loaded(**known_);
    return **known_;
  }
  return SqlProductRepository::load(sku, orderid);
}

}  // namespace allocation::adapters::sql
