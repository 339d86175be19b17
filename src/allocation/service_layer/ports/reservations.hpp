#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "allocation/domain/hold.hpp"

namespace allocation::service_layer {

// Where a hold stands, as stored. A live hold whose time ran out and that no one has ended yet
// is `held` here: whether it is expired is the reader's `now` to say (expired()).
enum class HoldStatus { held, expired, released, consumed };

// One hold, live or ended (SPEC §7.3).
struct ReservationView {
  std::string id;
  std::string sku;
  int qty;
  std::string batchref;
  domain::Instant expires_at;
  HoldStatus status;

  // Expired at `now`: ended by expiry, or live past its time.
  bool expired(domain::Instant now) const {
    return status == HoldStatus::expired || (status == HoldStatus::held && expires_at <= now);
  }
  friend bool operator==(const ReservationView&, const ReservationView&) = default;
};

// The stored hold `id` (`stored`, read by find()) if it is live at `now`. Throws
// domain::HoldExpired when it expired (ended so, or past its time), NotFound when it was used by
// an allocation, released, or never made: what a request naming the hold answers.
ReservationView live_hold(const std::optional<ReservationView>& stored, std::string_view id,
                          domain::Instant now);

// Port: holds read without loading their products (the query side). Safe to use from many
// threads.
class Reservations {
 public:
  virtual ~Reservations() = default;
  // The hold with this id, live or ended; nullopt when there never was one.
  virtual std::optional<ReservationView> find(std::string_view id) = 0;
  // Some SKUs with live holds expired at `now`, at most `limit` of them, none only when no SKU
  // has any: what the sweep ends, page after page.
  virtual std::vector<std::string> skus_with_expired(domain::Instant now, int limit) = 0;
};

}  // namespace allocation::service_layer
