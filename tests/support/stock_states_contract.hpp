#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "allocation/service_layer/ports/stock_states.hpp"
#include "support/test_time.hpp"

namespace allocation::testing {

// The SKUs of a page.
inline std::vector<std::string> skus(const service_layer::ProductPage& page) {
  std::vector<std::string> all;
  for (const auto& product : page.products) all.push_back(product.sku);
  return all;
}

// What every StockStates adapter answers for pages of products once products of these SKUs
// exist, and no other: in byte order ("DESK" < "RUG" < "Zed" < "armchair" < "lamp"), each page
// saying where the next starts, the last saying none does.
inline const std::vector<std::string> kPagedSkus = {"lamp", "DESK", "RUG", "Zed", "armchair"};

inline void expect_pages_in_byte_order(service_layer::StockStates& states) {
  const auto first = states.products("", 2, kTestToday);
  EXPECT_EQ(skus(first), (std::vector<std::string>{"DESK", "RUG"}));
  ASSERT_EQ(first.next, "RUG");
  const auto second = states.products(*first.next, 2, kTestToday);
  EXPECT_EQ(skus(second), (std::vector<std::string>{"Zed", "armchair"}));
  ASSERT_EQ(second.next, "armchair");
  const auto last = states.products(*second.next, 2, kTestToday);
  EXPECT_EQ(skus(last), (std::vector<std::string>{"lamp"}));
  EXPECT_EQ(last.next, std::nullopt);
  // A page that ends exactly with the last product says so.
  EXPECT_EQ(states.products("RUG", 3, kTestToday).next, std::nullopt);
  EXPECT_TRUE(states.products("zzz", 10, kTestToday).products.empty());
  // Each product of a page is whole, as product() answers it.
  EXPECT_EQ(first.products[0], *states.product("DESK", kTestToday));
}

}  // namespace allocation::testing
