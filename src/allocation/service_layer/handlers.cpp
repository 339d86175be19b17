#include "allocation/service_layer/handlers.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "allocation/domain/errors.hpp"
#include "allocation/service_layer/errors.hpp"
#include "allocation/service_layer/external_messages.hpp"

namespace allocation::service_layer::handlers {

using namespace allocation::domain;

bool add_batch(const commands::CreateBatch& command, UnitOfWork& uow, Instant now) {
  Batch batch(command.ref, command.sku, command.qty, command.eta,
              {.warehouse = command.warehouse, .expires = command.expires});
  ProductRepository& products = uow.products();
  // References are unique across SKUs, not only within a product.
  if (const Product* owner = products.get_by_batchref(command.ref);
      owner && owner->sku() != command.sku) {
    throw BatchConflict(command.ref);
  }
  Product* product = products.get(command.sku);
  if (!product) product = &products.add(Product(command.sku));
  if (!product->add_batch(std::move(batch), now)) return false;
  uow.commit();
  return true;
}

namespace {

// Why no product has the live hold `id` (for a command of `sku`, when it names one): of another
// SKU (InvalidReference), expired (HoldExpired), used, released or none (NotFound).
[[noreturn]] void explain_missing_hold(UnitOfWork& uow, const std::string& id, Instant now,
                                       std::optional<std::string_view> sku = std::nullopt) {
  const auto stored = uow.reservation(id);
  if (stored && sku && stored->sku != *sku) {
    throw InvalidReference("reservation " + id + " is of sku " + stored->sku + ", not " +
                           std::string(*sku));
  }
  live_hold(stored, id, now);
  // Live as stored, yet not in what this unit of work read first: made meanwhile, after this
  // command asked for it.
  throw NotFound("no reservation " + id);
}

}  // namespace

Allocation allocate(const commands::Allocate& command, UnitOfWork& uow, Instant now) {
  OrderLine line(command.orderid, command.sku, command.qty);
  Product* product =
      uow.products().get(command.sku, command.orderid, command.reservation.value_or(""));
  if (!product) throw InvalidSku(command.sku);
  std::optional<std::string> batchref;
  if (command.reservation) {
    try {
      batchref =
          product->allocate(line, *command.reservation, now, command.warehouse, command.split);
    } catch (const UnknownHold&) {
      explain_missing_hold(uow, *command.reservation, now, command.sku);
    }
  } else {
    batchref = product->allocate(line, now, command.warehouse, command.split);
  }
  uow.commit();
  return {batchref, !batchref && product->waiting_line(command.orderid),
          product->parts(command.orderid, now, command.warehouse)};
}

std::vector<events::Released> deallocate(const commands::Deallocate& command, UnitOfWork& uow,
                                         Instant now) {
  // Not found in what this unit of work read. The product and the pending reallocations are two
  // reads: another process may have taken the line off its batch before the first and allocated
  // it again before the second. Every snapshot of the order has the line somewhere, so one more
  // read of it tells that race (run the unit of work again) from a line the order never had.
  const auto not_found = [&] {
    for (const OrderLineView& line : uow.order_lines(command.orderid)) {
      if (line.sku == command.sku && line.status != LineStatus::cancelled) {
        throw ConcurrencyError("order " + command.orderid + "'s line of " + command.sku +
                               " moved while it was read");
      }
    }
    throw NotFound("order " + command.orderid + " has no line of " + command.sku);
  };

  Product* product = uow.products().get(command.sku, command.orderid);
  if (!product) not_found();
  auto released = product->deallocate(command.orderid, now);
  const bool split =
      released && std::any_of(product->released_lines().begin(), product->released_lines().end(),
                              [&](const OrderLine& line) {
                                return line.orderid() == command.orderid && line.is_part();
                              });
  if (!released || split) {
    // Taken off its batch by a quantity change, its reallocation not run yet (the line, or parts
    // of a split line): released here, and the reallocation settled in the same unit of work.
    for (const events::Deallocated& pending : uow.pending_reallocations()) {
      if (pending.orderid != command.orderid || pending.sku != command.sku) continue;
      uow.settle_reallocation(pending);
      if (!released) released.emplace();
      released->push_back(
          product->release_taken_off(OrderLine(pending.orderid, pending.sku, pending.qty,
                                               pending.line_qty.value_or(pending.qty)),
                                     now));
    }
    if (!released) not_found();
  }
  uow.commit();
  return *released;
}

std::vector<events::Released> cancel_order(
    const commands::CancelOrder& command, OrderLines& order_lines,
    const std::function<std::vector<events::Released>(const commands::Deallocate&)>& deallocate) {
  const auto lines = order_lines.of_order(command.orderid);
  if (lines.empty()) throw NotFound("no order " + command.orderid);
  std::vector<events::Released> released;
  for (const OrderLineView& line : lines) {
    if (line.status == LineStatus::cancelled) continue;
    for (auto& part : deallocate({command.orderid, line.sku})) released.push_back(std::move(part));
  }
  return released;
}

ProductPolicy set_product_policy(const commands::SetProductPolicy& command, UnitOfWork& uow) {
  Product* product = uow.products().get(command.sku);
  if (!product) throw NotFound("unknown sku " + command.sku);
  ProductPolicy policy = product->policy();
  if (command.backorders) policy.backorders = *command.backorders;
  if (command.low_stock_threshold) policy.low_stock_threshold = *command.low_stock_threshold;
  product->set_policy(policy);
  uow.commit();
  return product->policy();
}

bool change_batch_quantity(const commands::ChangeBatchQuantity& command, UnitOfWork& uow,
                           Instant now) {
  if (command.message_id && uow.message_applied(*command.message_id)) return false;
  Product* product = uow.products().get_by_batchref(command.ref);
  if (!product) throw UnknownBatch(command.ref);
  product->change_batch_quantity(command.ref, command.qty, now);
  if (command.message_id) uow.record_applied_message(*command.message_id);
  uow.commit();
  return true;
}

Product::Reservation reserve(const commands::Reserve& command, UnitOfWork& uow, Instant now,
                             const std::function<std::string()>& make_id) {
  const std::string id = command.id ? *command.id : make_id();
  Product* product = uow.products().get(command.sku, {}, id);
  if (!product) throw InvalidSku(command.sku);
  // An id names one hold of one product, for good: a hold the product does not have live may
  // be another product's, or have ended.
  if (command.id && !product->holds().find(id)) {
    if (const auto stored = uow.reservation(id)) {
      if (stored->sku != command.sku) {
        throw HoldConflict(id, "is a reservation of sku " + stored->sku);
      }
      if (stored->expired(now)) throw HoldExpired(id, stored->expires_at);
      // Live: made by another process after this one read the product (a client's retry of
      // the same request, say). A lost race: run again, the product has it.
      if (stored->status == HoldStatus::held) {
        throw ConcurrencyError("reservation " + id + " was made while it was read");
      }
      throw HoldConflict(id, "was released or used");
    }
  }
  auto reservation = product->reserve(id, command.qty, command.ttl, now);
  if (reservation.created) uow.commit();
  return reservation;
}

Hold extend_reservation(const commands::ExtendReservation& command, UnitOfWork& uow, Instant now) {
  Product* product = uow.products().get_by_hold(command.id);
  if (!product) explain_missing_hold(uow, command.id, now);
  std::optional<Hold> hold;
  try {
    hold = product->extend_hold(command.id, command.ttl, now);
  } catch (const UnknownHold&) {
    // Ended between the read that found its product and the read of the product (two
    // statements, PostgreSQL): answered as stored, like a hold no product has.
    explain_missing_hold(uow, command.id, now);
  }
  uow.commit();
  return *hold;
}

events::ReservationReleased release_reservation(const commands::ReleaseReservation& command,
                                                UnitOfWork& uow, Instant now) {
  Product* product = uow.products().get_by_hold(command.id);
  if (!product) explain_missing_hold(uow, command.id, now);
  std::optional<events::ReservationReleased> released;
  try {
    released = product->release_hold(command.id, now);
  } catch (const UnknownHold&) {
    explain_missing_hold(uow, command.id, now);  // ended between the two reads, as above
  }
  uow.commit();
  return *released;
}

void set_warehouse_priority(const commands::SetWarehousePriority& command, UnitOfWork& uow) {
  if (command.warehouse.empty()) throw std::invalid_argument("a warehouse needs an id");
  uow.set_warehouse_priority({command.warehouse, command.priority});
  uow.commit();
}

int expire_reservations(
    const commands::ExpireReservations&, Reservations& reservations, Instant now,
    const std::function<int(const commands::ExpireProductReservations&)>& expire_product) {
  constexpr std::size_t kPage = 100;
  int ended = 0;
  // Products whose expired holds this sweep could not end (their unit of work failed, or ended
  // none): the next sweep tries them again. Left out of the pages after, so that neither the
  // sweep goes round them nor a page full of them keeps it from the products behind them.
  std::set<std::string, std::less<>> left;
  for (;;) {
    std::vector<std::string> skus =
        reservations.skus_with_expired(now, static_cast<int>(kPage + left.size()));
    std::erase_if(skus, [&](const std::string& sku) { return left.contains(sku); });
    if (skus.empty()) return ended;
    for (const std::string& sku : skus) {
      int ended_here = 0;
      try {
        ended_here = expire_product({sku});
      } catch (const std::exception& error) {
        spdlog::warn("expiring the holds of {} failed: {}", sku, error.what());
      }
      if (ended_here == 0) left.insert(sku);
      ended += ended_here;
    }
  }
}

int expire_product_reservations(const commands::ExpireProductReservations& command, UnitOfWork& uow,
                                Instant now) {
  Product* product = uow.products().get(command.sku);
  if (!product) return 0;
  const int ended = product->expire_holds(now);
  if (ended > 0) uow.commit();
  return ended;
}

void add_allocation_to_read_model(const events::Allocated& event, ReadModelWriter& read_model) {
  read_model.add(event.orderid, event.sku, event.batchref);
}

void remove_allocation_from_read_model(const events::Deallocated& event,
                                       ReadModelWriter& read_model) {
  read_model.remove(event.orderid, event.sku, event.batchref);
}

void remove_released_from_read_model(const events::Released& event, ReadModelWriter& read_model) {
  if (event.batchref) read_model.remove(event.orderid, event.sku, *event.batchref);
}

void reallocate(const events::Deallocated& event, UnitOfWork& uow, Instant now) {
  uow.settle_reallocation(event);
  Product* product = uow.products().get(event.sku, event.orderid);
  if (!product) throw InvalidSku(event.sku);
  try {
    product->reallocate(
        OrderLine(event.orderid, event.sku, event.qty, event.line_qty.value_or(event.qty)), now);
  } catch (const Conflict&) {
    // The order was allocated anew with another qty since this line was taken off (that line
    // is what the order has now), or it released the line. Left pending, it would fail at
    // every recovery.
  }
  uow.commit();
}

void publish_external_message(const Event& event, EventPublisher& publisher) {
  if (auto message = service_layer::external_message(event)) publisher.publish(*message);
}

void send_out_of_stock_notification(const events::OutOfStock& event, Notifications& notifications) {
  notifications.send(std::string(kStockTeamSubject) + " for " + event.sku,
                     "Out of stock for " + event.sku);
}

}  // namespace allocation::service_layer::handlers
