// Any bytes as a message on channel change_batch_quantity.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "decoded_command_checks.hpp"

using namespace allocation;
using namespace allocation::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  decode_or_refuse([&] {
    const auto command = entrypoints::decode_change_batch_quantity_message(payload);
    require_identifier(command.ref);
    require(command.qty >= 0);
    // Decoding is a function of the bytes alone: a redelivered message is the same command
    // with the same id, which is what lets duplicates be dropped.
    require(entrypoints::decode_change_batch_quantity_message(payload) == command);
  });
  return 0;
}
