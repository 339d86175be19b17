#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "allocation/domain/commands.hpp"

// Turns outside input (an HTTP body, a broker message) into commands, checking every field.
namespace allocation::entrypoints {

// The input is not acceptable; what() says why, naming the field.
class BadRequest : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Identifiers (references, SKUs, order ids) are 1..255 characters (UTF-8 code points) with no
// control character.
inline constexpr std::size_t kMaxIdentifierLength = 255;

// How many code points the UTF-8 text holds.
std::size_t code_points(std::string_view utf8);

// {"ref": str, "sku": str, "qty": int >= 0, "eta": "YYYY-MM-DD" | null | absent,
//  "warehouse": str | null | absent (main), "expires": "YYYY-MM-DD" | null | absent}
domain::commands::CreateBatch decode_create_batch(std::string_view json);
// {"orderid": str, "sku": str, "qty": int > 0, "reservation": str (optional: a hold's id),
//  "warehouse": str (optional: the warehouse whose batches come first)}
domain::commands::Allocate decode_allocate(std::string_view json);
// {"ref": str, "qty": int >= 0}
domain::commands::ChangeBatchQuantity decode_change_batch_quantity(std::string_view json);

// {"orderid": str, "sku": str}
domain::commands::Deallocate decode_deallocate(std::string_view json);
// {"priority": any 32-bit integer}, and nothing else, for the warehouse `id` (checked by the
// caller).
domain::commands::SetWarehousePriority decode_set_warehouse_priority(std::string id,
                                                                     std::string_view json);
// {"backorders": bool (optional), "low_stock_threshold": int >= 0 | null (optional; null: none)}
// for the product `sku`; any other field is refused.
domain::commands::SetProductPolicy decode_set_product_policy(std::string sku,
                                                             std::string_view json);

// A hold's time to live, in seconds (SPEC §7.3).
inline constexpr int kMinTtlSeconds = 1;
inline constexpr int kMaxTtlSeconds = 86'400;
inline constexpr int kDefaultTtlSeconds = 900;
// {"id": str (optional), "sku": str, "qty": int > 0, "ttl_s": 1..86400 (optional; 900)}
domain::commands::Reserve decode_reserve(std::string_view json);
// {"ttl_s": 1..86400} for the hold `id`.
domain::commands::ExtendReservation decode_extend_reservation(std::string id,
                                                              std::string_view json);

// A message of channel change_batch_quantity, which names the batch "batchref": {"batchref": str,
// "qty": int >= 0, "message_id": str (optional; other types are ignored)}. The command carries
// the message's id.
domain::commands::ChangeBatchQuantity decode_change_batch_quantity_message(std::string_view json);

// A page of a product's ledger, from the query of GET /products/<sku>/movements: the movements
// after seq `after` (a whole number >= 0; default 0), at most `limit` (1..1000; default 100).
struct MovementsQuery {
  long long after = 0;
  int limit = 100;
  friend bool operator==(const MovementsQuery&, const MovementsQuery&) = default;
};
inline constexpr int kMaxMovementsLimit = 1000;
// Each argument is the parameter's text, or nullopt when it is absent. Throws BadRequest naming
// the parameter.
MovementsQuery decode_movements_query(std::optional<std::string_view> after,
                                      std::optional<std::string_view> limit);

// A page of products, from the query of GET /products: those whose SKU sorts after `after`
// (a SKU; default: from the first), at most `limit` (1..1000; default 100).
struct ProductsQuery {
  std::string after;
  int limit = 100;
  friend bool operator==(const ProductsQuery&, const ProductsQuery&) = default;
};
inline constexpr int kMaxProductsLimit = 1000;
ProductsQuery decode_products_query(std::optional<std::string_view> after,
                                    std::optional<std::string_view> limit);

// Checks an identifier that arrives outside a JSON body (a path segment). Throws BadRequest.
void check_identifier(std::string_view value, const char* name);

// A row of `allocation import` (SPEC §7.5): the text of each column, empty when the row leaves
// it empty or the file has no such column.
struct BatchRow {
  std::string ref, sku, qty, eta, warehouse, expires;
  friend bool operator==(const BatchRow&, const BatchRow&) = default;
};
// The CreateBatch of a row: ref and sku identifiers, qty a whole number 0..2147483647, eta and
// expires a date YYYY-MM-DD or empty (none), warehouse an identifier or empty (main). Throws
// BadRequest naming the column.
domain::commands::CreateBatch decode_batch_row(const BatchRow& row);

}  // namespace allocation::entrypoints
