// Any bytes as the body of POST /deallocate (decode_deallocate), and as the order id of
// POST /orders/<orderid>/cancel, which arrives in the path and is checked by check_identifier.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "decoded_command_checks.hpp"
#include "json_rules.hpp"

using namespace allocation;
using namespace allocation::fuzz;
using domain::commands::Deallocate;

namespace {

// {"orderid": str, "sku": str}, nothing else.
std::optional<Deallocate> expected_deallocate(const std::optional<json>& body) {
  if (!body || !only_members(*body, {"orderid", "sku"})) return std::nullopt;
  const auto orderid = identifier_member(*body, "orderid");
  const auto sku = identifier_member(*body, "sku");
  if (!orderid || !sku) return std::nullopt;
  return Deallocate{*orderid, *sku};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  require(decoded_or_refused([&] { return entrypoints::decode_deallocate(bytes); }) ==
          expected_deallocate(json_object(bytes)));
  // A path segment did not pass through a JSON parser: any bytes at all, UTF-8 or not.
  const auto accepted = decoded_or_refused([&] {
    entrypoints::check_identifier(bytes, "orderid");
    return true;
  });
  require(accepted.has_value() == is_identifier(bytes));
  return 0;
}
