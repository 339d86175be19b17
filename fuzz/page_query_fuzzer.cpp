// Any query parameters `after` and `limit` of GET /products/<sku>/movements
// (decode_movements_query) and of GET /products (decode_products_query): each present or not,
// with any bytes (a query's percent-decoding can make any).
//
// The input: a byte of flags (1: `after` is given, 2: `limit` is given), a byte giving the length
// of `after`, then `after`'s bytes and `limit`'s (the rest).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

#include "decoded_command_checks.hpp"

using namespace allocation;
using namespace allocation::fuzz;
using entrypoints::MovementsQuery;
using entrypoints::ProductsQuery;

namespace {

// A page's limit: 1..maximum; 100 when absent.
std::optional<int> expected_limit(std::optional<std::string_view> limit, int maximum) {
  if (!limit) return 100;
  const auto value = whole_number_in(*limit, 1, maximum);
  if (!value) return std::nullopt;
  return static_cast<int>(*value);
}

// `after`: a whole number >= 0 (a seq), 0 when absent.
std::optional<MovementsQuery> expected_movements(std::optional<std::string_view> after,
                                                 std::optional<std::string_view> limit) {
  const auto seq = after ? whole_number_in(*after, 0, std::numeric_limits<long long>::max()) : 0LL;
  const auto page = expected_limit(limit, entrypoints::kMaxMovementsLimit);
  if (!seq || !page) return std::nullopt;
  return MovementsQuery{*seq, *page};
}

// `after`: a SKU (an identifier), from the first when absent.
std::optional<ProductsQuery> expected_products(std::optional<std::string_view> after,
                                               std::optional<std::string_view> limit) {
  const auto page = expected_limit(limit, entrypoints::kMaxProductsLimit);
  if ((after && !is_identifier(*after)) || !page) return std::nullopt;
  return ProductsQuery{std::string(after.value_or("")), *page};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  const std::size_t after_length = std::min<std::size_t>(data[1], rest.size());
  std::optional<std::string_view> after, limit;
  if (data[0] & 1) after = rest.substr(0, after_length);
  if (data[0] & 2) limit = rest.substr(after_length);
  require(decoded_or_refused([&] { return entrypoints::decode_movements_query(after, limit); }) ==
          expected_movements(after, limit));
  require(decoded_or_refused([&] { return entrypoints::decode_products_query(after, limit); }) ==
          expected_products(after, limit));
  return 0;
}
