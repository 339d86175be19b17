#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "allocation/domain/commands.hpp"
#include "allocation/domain/events.hpp"
#include "allocation/domain/product_policy.hpp"
#include "allocation/service_layer/allocation.hpp"
#include "allocation/service_layer/ports/event_publisher.hpp"
#include "allocation/service_layer/ports/notifications.hpp"
#include "allocation/service_layer/ports/order_lines.hpp"
#include "allocation/service_layer/ports/read_model.hpp"
#include "allocation/service_layer/ports/reservations.hpp"
#include "allocation/service_layer/ports/unit_of_work.hpp"

// The use cases: small functions that receive what they need as arguments. The bootstrap binds
// them to the adapters; the message bus calls them.
namespace allocation::service_layer::handlers {

// Command handlers. Each commits its unit of work when it changed something.

// True when the batch was added; false, changing nothing, when it is there already as given.
// Throws domain::BatchConflict when the reference exists with other data.
bool add_batch(const domain::commands::CreateBatch& command, UnitOfWork& uow, domain::Instant now);
// The batch the line went to, or none: backordered, or out of stock. Throws InvalidSku,
// domain::LineConflict when the order has a line of the SKU with another qty, and
// domain::ReleasedLine when it released that line. With a reservation (SPEC §7.3), also
// InvalidReference when the hold is of another SKU, domain::HoldExpired, and NotFound when there
// is no such live hold.
Allocation allocate(const domain::commands::Allocate& command, UnitOfWork& uow,
                    domain::Instant now);
// What was released: empty when the line was released already. Throws NotFound when the
// order never had a line of the SKU (or the SKU does not exist), and ConcurrencyError when the
// line moved between the unit of work's reads. A line taken off its batch and not yet
// allocated again is released too, and its reallocation settled.
std::vector<domain::events::Released> deallocate(const domain::commands::Deallocate& command,
                                                 UnitOfWork& uow, domain::Instant now);
// Releases every line of the order, each through `deallocate` (a unit of work per product);
// returns what was released, empty when all was released already. Throws NotFound for an order
// that never had a line.
std::vector<domain::events::Released> cancel_order(
    const domain::commands::CancelOrder& command, OrderLines& order_lines,
    const std::function<std::vector<domain::events::Released>(const domain::commands::Deallocate&)>&
        deallocate);
// The policy as set. Throws NotFound for an unknown SKU, std::invalid_argument for a negative
// threshold.
domain::ProductPolicy set_product_policy(const domain::commands::SetProductPolicy& command,
                                         UnitOfWork& uow);
// False, changing nothing, when the command's message was applied already. Throws
// domain::UnknownBatch.
bool change_batch_quantity(const domain::commands::ChangeBatchQuantity& command, UnitOfWork& uow,
                           domain::Instant now);

// The hold, and whether this command made it. Without an id, `make_id` gives one. Throws
// InvalidSku; domain::HoldConflict when the id is taken by a hold of other data or one that was
// released or used; domain::HoldExpired when it names an expired hold; domain::NoStockToHold.
domain::Product::Reservation reserve(const domain::commands::Reserve& command, UnitOfWork& uow,
                                     domain::Instant now,
                                     const std::function<std::string()>& make_id);
// The hold as extended. Throws NotFound, domain::HoldExpired.
domain::Hold extend_reservation(const domain::commands::ExtendReservation& command, UnitOfWork& uow,
                                domain::Instant now);
// Throws NotFound, domain::HoldExpired.
domain::events::ReservationReleased release_reservation(
    const domain::commands::ReleaseReservation& command, UnitOfWork& uow, domain::Instant now);
// Sets the warehouse's priority; no product is loaded. Throws std::invalid_argument for an
// empty id.
void set_warehouse_priority(const domain::commands::SetWarehousePriority& command, UnitOfWork& uow);

// Ends the expired holds of every product that has some, each product through
// `expire_product` (a unit of work each); returns how many ended.
int expire_reservations(
    const domain::commands::ExpireReservations& command, Reservations& reservations,
    domain::Instant now,
    const std::function<int(const domain::commands::ExpireProductReservations&)>& expire_product);
// Ends the product's expired holds; returns how many.
int expire_product_reservations(const domain::commands::ExpireProductReservations& command,
                                UnitOfWork& uow, domain::Instant now);

// Event handlers.

inline constexpr std::string_view kStockTeamSubject = "Out of stock";

void add_allocation_to_read_model(const domain::events::Allocated& event,
                                  ReadModelWriter& read_model);
void remove_allocation_from_read_model(const domain::events::Deallocated& event,
                                       ReadModelWriter& read_model);
void remove_released_from_read_model(const domain::events::Released& event,
                                     ReadModelWriter& read_model);
// Settles the pending reallocation in the same unit of work, so that it happens exactly once
// however often the event is handled (see UnitOfWork::pending_reallocations). An order that has
// a line of the SKU again, with another qty, keeps that line: the reallocation is only settled.
void reallocate(const domain::events::Deallocated& event, UnitOfWork& uow, domain::Instant now);
// Hands the event's message to other systems, if it leaves the service (external_messages.hpp).
void publish_external_message(const domain::Event& event, EventPublisher& publisher);
void send_out_of_stock_notification(const domain::events::OutOfStock& event,
                                    Notifications& notifications);

}  // namespace allocation::service_layer::handlers
