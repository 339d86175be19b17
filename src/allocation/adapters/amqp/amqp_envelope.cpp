#include "allocation/adapters/amqp/amqp_envelope.hpp"

#include <algorithm>
#include <limits>

namespace allocation::adapters::amqp {

namespace {

std::string_view text(amqp_bytes_t bytes) {
  return {static_cast<const char*>(bytes.bytes), bytes.len};
}

const amqp_field_value_t* header(const amqp_basic_properties_t& properties, std::string_view key) {
  if (!(properties._flags & AMQP_BASIC_HEADERS_FLAG)) return nullptr;
  for (int i = 0; i < properties.headers.num_entries; ++i) {
    if (text(properties.headers.entries[i].key) == key) return &properties.headers.entries[i].value;
  }
  return nullptr;
}

}  // namespace

std::optional<std::string> string_header(const amqp_basic_properties_t& properties,
                                         std::string_view key) {
  const amqp_field_value_t* value = header(properties, key);
  if (!value || value->kind != AMQP_FIELD_KIND_UTF8) return std::nullopt;
  return std::string(text(value->value.bytes));
}

std::optional<long long> integer_header(const amqp_basic_properties_t& properties,
                                        std::string_view key) {
  if (const amqp_field_value_t* value = header(properties, key)) {
    switch (value->kind) {
      case AMQP_FIELD_KIND_I64:
        return value->value.i64;
      case AMQP_FIELD_KIND_I32:
        return value->value.i32;
      case AMQP_FIELD_KIND_U32:
        return value->value.u32;
      default:
        return std::nullopt;
    }
  }
  return std::nullopt;
}

int deliveries(std::optional<long long> delivery_count, bool redelivered) {
  // A publisher may have written the header itself, with any integer: a negative count is no
  // count, and one past what an int holds is as many deliveries as an int holds.
  if (!delivery_count || *delivery_count < 0) return redelivered ? 2 : 1;
  constexpr int kMost = std::numeric_limits<int>::max();
  return static_cast<int>(std::min<long long>(*delivery_count, kMost - 1)) + 1;
}

}  // namespace allocation::adapters::amqp
