#pragma once

#include <chrono>
#include <string>

namespace allocation::domain {

// A moment, to the millisecond: when a hold expires, and the `now` that operations on holds
// take. The domain never reads a clock; its callers pass the time.
using Instant = std::chrono::sys_time<std::chrono::milliseconds>;

// RFC 3339 in UTC to the millisecond, "2026-12-04T21:50:00.250Z"; the years 0000-9999.
std::string format_instant(Instant instant);

// Units of one batch held for a customer in checkout until `expires_at` (SPEC §7.3). An entity:
// its identity is its id. Only its Product changes it.
class Hold {
 public:
  // Throws std::invalid_argument for an empty id, sku or batchref, a qty that is not > 0, or a
  // ttl that is not > 0.
  Hold(std::string id, std::string sku, int qty, std::string batchref, Instant expires_at,
       std::chrono::seconds ttl);

  const std::string& id() const { return id_; }
  const std::string& sku() const { return sku_; }
  int qty() const { return qty_; }
  const std::string& batchref() const { return batchref_; }
  Instant expires_at() const { return expires_at_; }
  // The time to live it was asked with: with sku and qty, what makes asking again the same ask.
  std::chrono::seconds ttl() const { return ttl_; }

  // From `expires_at` on, the hold holds nothing.
  bool expired(Instant now) const { return expires_at_ <= now; }

  friend bool operator==(const Hold&, const Hold&) = default;

 private:
  friend class Product;
  friend class Holds;

  std::string id_;
  std::string sku_;
  int qty_;
  std::string batchref_;
  Instant expires_at_;
  std::chrono::seconds ttl_;
};

}  // namespace allocation::domain
