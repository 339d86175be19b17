// Any bytes as the body of POST /reservations (decode_reserve) and of PATCH /reservations/<id>
// (decode_extend_reservation): each accepts exactly the bodies decoding.hpp allows, and returns
// what they say, its defaults where they say nothing.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

#include "decoded_command_checks.hpp"
#include "json_rules.hpp"

using namespace allocation;
using namespace allocation::fuzz;
using domain::commands::ExtendReservation;
using domain::commands::Reserve;

namespace {

// {"id": str (optional), "sku": str, "qty": int > 0, "ttl_s": 1..86400 (optional; 900)},
// nothing else.
std::optional<Reserve> expected_reserve(const std::optional<json>& body) {
  if (!body || !only_members(*body, {"id", "sku", "qty", "ttl_s"})) return std::nullopt;
  const auto id = identifier_member(*body, "id");
  const auto sku = identifier_member(*body, "sku");
  const auto qty = integer_member(*body, "qty", 1, std::numeric_limits<int>::max());
  const auto ttl =
      member(*body, "ttl_s")
          ? integer_member(*body, "ttl_s", entrypoints::kMinTtlSeconds, entrypoints::kMaxTtlSeconds)
          : std::optional<long long>(entrypoints::kDefaultTtlSeconds);
  // An id given must be one; null is not leaving it out.
  if ((member(*body, "id") && !id) || !sku || !qty || !ttl) return std::nullopt;
  return Reserve{id, *sku, static_cast<int>(*qty), std::chrono::seconds(*ttl)};
}

// {"ttl_s": 1..86400}, required, nothing else.
std::optional<ExtendReservation> expected_extension(const std::optional<json>& body,
                                                    const std::string& id) {
  if (!body || !only_members(*body, {"ttl_s"})) return std::nullopt;
  const auto ttl =
      integer_member(*body, "ttl_s", entrypoints::kMinTtlSeconds, entrypoints::kMaxTtlSeconds);
  if (!ttl) return std::nullopt;
  return ExtendReservation{id, std::chrono::seconds(*ttl)};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto object = json_object(body);
  require(decoded_or_refused([&] { return entrypoints::decode_reserve(body); }) ==
          expected_reserve(object));
  // The hold's id comes from the path, checked before: it is carried as it is.
  const std::string id = "hold-1";
  require(decoded_or_refused([&] { return entrypoints::decode_extend_reservation(id, body); }) ==
          expected_extension(object, id));
  return 0;
}
