#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "allocation/domain/holds.hpp"
#include "allocation/domain/product.hpp"
#include "support/test_time.hpp"

// Products as the domain's tests start from them: made by their own operations, with the events
// of the making taken away, or with what a repository would load.
namespace allocation::domain::testing {

// A product of these batches (reference, qty, eta), added in this order.
inline Product product_of(
    const std::string& sku,
    std::initializer_list<std::tuple<const char*, int, std::optional<Date>>> batches) {
  Product product(sku);
  for (const auto& [ref, qty, eta] : batches)
    product.add_batch(Batch(ref, sku, qty, eta), kTestNow);
  product.take_events();
  return product;
}

inline Product with_policy(Product product, ProductPolicy policy) {
  product.set_policy(policy);
  product.take_events();
  return product;
}

inline Product with_backorders(Product product) {
  return with_policy(std::move(product), {.backorders = true, .low_stock_threshold = std::nullopt});
}

// What a repository loads besides the batches: the holds (and their source); nothing else.
inline ProductState holding(Holds holds, ProductPolicy policy = {}) {
  return ProductState{.policy = policy,
                      .out_of_stock = false,
                      .backorders = {},
                      .holds = std::move(holds),
                      .released = {}};
}

// The stored holds of a repository, as the source of the expired ones: those expired at `now`,
// every time it is asked (they stay stored until the unit of work commits), counting the reads.
struct StoredHolds {
  std::vector<Hold> stored;
  int calls = 0;

  Holds::ExpiredSource source() {
    return [this](Instant now) {
      ++calls;
      std::vector<Hold> expired;
      for (const Hold& hold : stored) {
        if (hold.expired(now)) expired.push_back(hold);
      }
      return expired;
    };
  }
};

}  // namespace allocation::domain::testing
