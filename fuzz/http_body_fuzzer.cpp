// Any bytes as the body of each POST endpoint.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "decoded_command_checks.hpp"

using namespace allocation;
using namespace allocation::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  decode_or_refuse([&] {
    const auto command = entrypoints::decode_create_batch(body);
    require_identifier(command.ref);
    require_identifier(command.sku);
    require(command.qty >= 0);
  });
  decode_or_refuse([&] {
    const auto command = entrypoints::decode_allocate(body);
    require_identifier(command.orderid);
    require_identifier(command.sku);
    require(command.qty > 0);
  });
  decode_or_refuse([&] {
    const auto command = entrypoints::decode_change_batch_quantity(body);
    require_identifier(command.ref);
    require(command.qty >= 0);
  });
  return 0;
}
