#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "allocation/domain/product.hpp"

namespace allocation::service_layer {

// A product as a unit of work holds it: what it is now, and the version it was loaded at.
struct TrackedProduct {
  domain::Product product;
  // nullopt for a product this unit of work added.
  std::optional<int> loaded_version;

  bool is_new() const { return !loaded_version.has_value(); }
  bool changed() const { return is_new() || *loaded_version != product.version_number(); }
};

// Port: the collection of all products, as if they were in memory. One repository belongs to
// one unit of work and is used by one thread; it hands out each product once (identity map),
// and the pointers it returns stay valid until the unit of work ends.
//
// Adapters implement the two load functions; this class keeps what was loaded or added, so
// that the unit of work can write the changes and hand over the events.
class ProductRepository {
 public:
  ProductRepository() = default;
  ProductRepository(const ProductRepository&) = delete;
  ProductRepository& operator=(const ProductRepository&) = delete;
  virtual ~ProductRepository() = default;

  // Takes a new product. Throws std::logic_error when this unit of work holds its SKU already.
  domain::Product& add(domain::Product product);

  // The product of `sku`, or nullptr. Of its order lines it holds at least those of `orderid`,
  // of its holds at least the live one `hold_id` (see domain::Product on partial loading).
  domain::Product* get(std::string_view sku, std::string_view orderid = {},
                       std::string_view hold_id = {});

  // The product owning batch `reference`, or nullptr. It holds every line and hold of that
  // batch.
  domain::Product* get_by_batchref(std::string_view reference);

  // The product holding the live hold `id`, or nullptr. It holds that hold.
  domain::Product* get_by_hold(std::string_view id);

  // Every product loaded or added so far, by SKU.
  std::map<std::string, TrackedProduct, std::less<>>& seen() { return seen_; }
  const std::map<std::string, TrackedProduct, std::less<>>& seen() const { return seen_; }

 private:
  virtual std::optional<domain::Product> load(std::string_view sku, std::string_view orderid,
                                              std::string_view hold_id) = 0;
  virtual std::optional<domain::Product> load_by_batchref(std::string_view reference) = 0;
  virtual std::optional<domain::Product> load_by_hold(std::string_view id) = 0;

  domain::Product* remember(std::optional<domain::Product> loaded);

  std::map<std::string, TrackedProduct, std::less<>> seen_;
};

}  // namespace allocation::service_layer
