#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "allocation/domain/date.hpp"
#include "allocation/service_layer/ports/unit_of_work.hpp"

// Queries for operators that read the write model without changing it.
namespace allocation::service_layer::views {

struct BatchView {
  std::string reference;
  std::optional<domain::Date> eta;
  int purchased;
  int allocated;
  int available;
};

struct ProductView {
  std::string sku;
  int version;
  std::vector<BatchView> batches;  // in the order they were added
};

// A product's batches and how much of each is taken; nullopt for an unknown SKU.
std::optional<ProductView> product(std::string_view sku, UnitsOfWork& units_of_work);

}  // namespace allocation::service_layer::views
