// Any bytes as the body of PUT /products/<sku>/policy (decode_set_product_policy): an absent
// field leaves the policy as it is, null clears the threshold, any other field is refused.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

#include "decoded_command_checks.hpp"
#include "json_rules.hpp"

using namespace allocation;
using namespace allocation::fuzz;
using domain::commands::SetProductPolicy;

namespace {

// {"backorders": bool (optional), "low_stock_threshold": int >= 0 | null (optional)}
std::optional<SetProductPolicy> expected_policy(const std::optional<json>& body,
                                                const std::string& sku) {
  if (!body || !only_members(*body, {"backorders", "low_stock_threshold"})) return std::nullopt;
  SetProductPolicy policy{sku, std::nullopt, std::nullopt};
  if (const json* backorders = member(*body, "backorders")) {
    if (!backorders->is_boolean()) return std::nullopt;
    policy.backorders = backorders->get<bool>();
  }
  if (const json* threshold = member(*body, "low_stock_threshold")) {
    if (threshold->is_null()) {
      policy.low_stock_threshold = std::optional<int>();
    } else {
      const auto value =
          integer_member(*body, "low_stock_threshold", 0, std::numeric_limits<int>::max());
      if (!value) return std::nullopt;
      policy.low_stock_threshold = static_cast<int>(*value);
    }
  }
  return policy;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  // The SKU comes from the path, checked before: it is carried as it is.
  const std::string sku = "LAMP";
  require(decoded_or_refused([&] { return entrypoints::decode_set_product_policy(sku, body); }) ==
          expected_policy(json_object(body), sku));
  return 0;
}
