// Any bytes as the body of PUT /warehouses/<id> (decode_set_warehouse_priority): {"priority":
// any 32-bit integer}, and nothing else.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

#include "decoded_command_checks.hpp"
#include "json_rules.hpp"

using namespace allocation;
using namespace allocation::fuzz;
using domain::commands::SetWarehousePriority;

namespace {

std::optional<SetWarehousePriority> expected_priority(const std::optional<json>& body,
                                                      const std::string& warehouse) {
  if (!body || !only_members(*body, {"priority"})) return std::nullopt;
  const auto priority = integer_member(*body, "priority", std::numeric_limits<int>::min(),
                                       std::numeric_limits<int>::max());
  if (!priority) return std::nullopt;
  return SetWarehousePriority{warehouse, static_cast<int>(*priority)};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  // The warehouse comes from the path, checked before: it is carried as it is.
  const std::string warehouse = "north";
  require(decoded_or_refused([&] {
            return entrypoints::decode_set_warehouse_priority(warehouse, body);
          }) == expected_priority(json_object(body), warehouse));
  return 0;
}
