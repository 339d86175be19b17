#include "allocation/service_layer/ports/reservations.hpp"

#include "allocation/domain/errors.hpp"
#include "allocation/service_layer/errors.hpp"

namespace allocation::service_layer {

ReservationView live_hold(const std::optional<ReservationView>& stored, std::string_view id,
                          domain::Instant now) {
  const std::string name(id);
  if (!stored) throw NotFound("no reservation " + name);
  if (stored->expired(now)) throw domain::HoldExpired(name, stored->expires_at);
  if (stored->status == HoldStatus::consumed) {
    throw NotFound("reservation " + name + " was used by an allocation");
  }
  if (stored->status == HoldStatus::released)
    throw NotFound("reservation " + name + " was released");
  return *stored;
}

}  // namespace allocation::service_layer
