// Any bytes as the properties of a message RabbitMQ delivers (a content header's property
// list, decoded by rabbitmq-c as the consumer's connection decodes it), and whether the broker
// says it is redelivered: the headers x-delivery-count and reason are found in any table a
// publisher could have written, and the delivery count is always a count (at least 1).
//
// The input: a byte whose lowest bit says redelivered, then the property list.
#include <amqp.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

#include "allocation/adapters/amqp/amqp_envelope.hpp"
#include "decoded_command_checks.hpp"

using namespace allocation;
using namespace allocation::fuzz;
namespace amqp = allocation::adapters::amqp;

namespace {

// The first entry of the headers named `key`, or nullptr.
const amqp_field_value_t* first_header(const amqp_basic_properties_t& properties,
                                       std::string_view key) {
  if (!(properties._flags & AMQP_BASIC_HEADERS_FLAG)) return nullptr;
  for (int i = 0; i < properties.headers.num_entries; ++i) {
    const amqp_table_entry_t& entry = properties.headers.entries[i];
    if (std::string_view(static_cast<const char*>(entry.key.bytes), entry.key.len) == key) {
      return &entry.value;
    }
  }
  return nullptr;
}

void check(const amqp_basic_properties_t& properties, bool redelivered) {
  const auto reason = amqp::string_header(properties, "reason");
  const amqp_field_value_t* reason_entry = first_header(properties, "reason");
  if (reason_entry && reason_entry->kind == AMQP_FIELD_KIND_UTF8) {
    const amqp_bytes_t& bytes = reason_entry->value.bytes;
    require(reason == std::string_view(static_cast<const char*>(bytes.bytes), bytes.len));
  } else {
    require(!reason);
  }

  const auto count = amqp::integer_header(properties, "x-delivery-count");
  const int deliveries = amqp::deliveries(count, redelivered);
  require(deliveries >= 1);
  if (!count) require(deliveries == (redelivered ? 2 : 1));
  // The queue's count of the deliveries before this one.
  if (count && *count >= 0 && *count < std::numeric_limits<int>::max()) {
    require(deliveries == *count + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const bool redelivered = (data[0] & 1) != 0;
  amqp_pool_t pool;
  init_amqp_pool(&pool, 4096);
  void* decoded = nullptr;
  const amqp_bytes_t encoded{size - 1, const_cast<std::uint8_t*>(data + 1)};
  // A list rabbitmq-c cannot decode fails the connection before the consumer sees it.
  if (amqp_decode_properties(AMQP_BASIC_CLASS, &pool, encoded, &decoded) == AMQP_STATUS_OK) {
    check(*static_cast<const amqp_basic_properties_t*>(decoded), redelivered);
  }
  empty_amqp_pool(&pool);
  return 0;
}
