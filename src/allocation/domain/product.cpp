#include "allocation/domain/product.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <utility>

#include "allocation/domain/errors.hpp"

namespace allocation::domain {

namespace {

// The order's line must be the same one: answering another qty with the old batch would tell
// the client it got what it did not.
void check_same_line(const OrderLine& existing, const OrderLine& line) {
  if (existing.line_qty() != line.line_qty()) {
    throw LineConflict(line.orderid(), line.sku(), existing.line_qty());
  }
}

bool released(const std::vector<OrderLine>& lines, std::string_view orderid) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const OrderLine& line) { return line.orderid() == orderid; });
}

}  // namespace

Product::Product(std::string sku, std::vector<Batch> batches, int version_number,
                 ProductState state)
    : sku_(std::move(sku)),
      version_number_(version_number),
      batches_(std::move(batches)),
      state_(std::move(state)) {
  if (sku_.empty()) throw std::invalid_argument("a product needs a sku");
}

const Batch* Product::batch(std::string_view reference) const {
  auto it = std::find_if(batches_.begin(), batches_.end(),
                         [&](const Batch& b) { return b.reference() == reference; });
  return it == batches_.end() ? nullptr : &*it;
}

Batch* Product::find_batch(std::string_view reference) {
  return const_cast<Batch*>(std::as_const(*this).batch(reference));
}

AllocationOrder Product::order_at(Instant now, std::optional<std::string_view> preferred) const {
  return AllocationOrder(state_.priorities, date_of(now), preferred);
}

int Product::available_quantity(Instant now) const { return available(order_at(now)); }

int Product::available(const AllocationOrder& order) const {
  return std::accumulate(batches_.begin(), batches_.end(), 0, [&](int sum, const Batch& b) {
    return order.usable(b) ? sum + std::max(0, b.available_quantity()) : sum;
  });
}

int Product::room(const AllocationOrder& order) const {
  int most = 0;
  for (const Batch& batch : batches_) {
    if (order.usable(batch)) most = std::max(most, batch.available_quantity());
  }
  return most;
}

bool Product::add_batch(Batch batch, Instant now) {
  if (batch.sku() != sku_) {
    throw std::invalid_argument("batch " + batch.reference() + " is not of sku " + sku_);
  }
  if (const Batch* existing = this->batch(batch.reference())) {
    if (existing->has_same_data(batch)) return false;
    throw BatchConflict(batch.reference());
  }
  const AllocationOrder order = order_at(now);
  const int available_before = available(order);
  const bool adds_units = batch.purchased_quantity() > 0 && order.usable(batch);
  events_.emplace_back(events::BatchAdded{sku_, batch.reference(), batch.purchased_quantity()});
  batches_.push_back(std::move(batch));
  ++version_number_;
  serve_backorders(adds_units, order);
  record_low_stock(available_before, order);
  return true;
}

bool Product::comes_before(const Batch& a, const Batch& b, const AllocationOrder& order) const {
  if (order.before(a, b)) return true;
  if (order.before(b, a)) return false;
  return &a < &b;  // their places in batches_: the order they were added
}

Batch* Product::batch_for(int qty, const AllocationOrder& order) {
  // Stable: of batches alike in the order, the first added wins.
  Batch* chosen = nullptr;
  for (Batch& batch : batches_) {
    if (order.usable(batch) && batch.can_take(qty) && (!chosen || order.before(batch, *chosen))) {
      chosen = &batch;
    }
  }
  return chosen;
}

void Product::allocate_to(Batch& batch, const OrderLine& line) {
  batch.allocate(line);
  events_.emplace_back(events::Allocated{line.orderid(), sku_, line.qty(), batch.reference()});
}

std::string Product::allocate_split(const OrderLine& line, const AllocationOrder& order) {
  std::vector<Batch*> usable;
  for (Batch& batch : batches_) {
    if (order.usable(batch) && batch.available_quantity() > 0) usable.push_back(&batch);
  }
  std::stable_sort(usable.begin(), usable.end(),
                   [&](const Batch* a, const Batch* b) { return comes_before(*a, *b, order); });
  int left = line.qty();
  for (Batch* batch : usable) {
    if (left == 0) break;
    const int taken = std::min(left, batch->available_quantity());
    allocate_to(*batch, line.part(taken));
    left -= taken;
  }
  if (left != 0) throw std::logic_error("a split line found fewer units than available");
  return usable.front()->reference();
}

std::vector<const Batch*> Product::holding(std::string_view orderid,
                                           const AllocationOrder& order) const {
  std::vector<const Batch*> holders;
  for (const Batch& batch : batches_) {
    if (batch.line_of(orderid)) holders.push_back(&batch);
  }
  std::stable_sort(holders.begin(), holders.end(),
                   [&](const Batch* a, const Batch* b) { return comes_before(*a, *b, order); });
  return holders;
}

std::vector<LinePart> Product::parts(std::string_view orderid, Instant now,
                                     std::optional<std::string_view> warehouse) const {
  std::vector<LinePart> parts;
  for (const Batch* batch : holding(orderid, order_at(now, warehouse))) {
    parts.push_back({batch->reference(), batch->line_of(orderid)->qty()});
  }
  return parts;
}

int Product::placed(const OrderLine& line, const std::vector<const Batch*>& holders) const {
  int units = 0;
  for (const Batch* batch : holders) {
    const OrderLine& part = *batch->line_of(line.orderid());
    check_same_line(part, line);
    units += part.qty();
  }
  for (const OrderLine& waiting : state_.backorders.lines_of(line.orderid())) {
    check_same_line(waiting, line);
    units += waiting.qty();
  }
  return units;
}

std::optional<std::optional<std::string>> Product::existing_answer(
    const OrderLine& line, const AllocationOrder& order) const {
  if (line.sku() != sku_) {
    throw std::invalid_argument("order line of sku " + line.sku() + " given to sku " + sku_);
  }
  const auto holders = holding(line.orderid(), order);
  if (placed(line, holders) > 0) {
    if (holders.empty()) return std::optional<std::string>();  // waiting
    return holders.front()->reference();
  }
  if (released(state_.released, line.orderid())) throw ReleasedLine(line.orderid(), sku_);
  return std::nullopt;
}

std::optional<std::string> Product::allocate(const OrderLine& line, Instant now,
                                             std::optional<std::string_view> warehouse,
                                             bool split) {
  const AllocationOrder order = order_at(now, warehouse);
  if (auto answer = existing_answer(line, order)) return *answer;
  const int available_before = available(order);
  auto batchref = allocate_new(line, order, now, split);
  record_low_stock(available_before, order);
  return batchref;
}

std::optional<std::string> Product::allocate_new(const OrderLine& line,
                                                 const AllocationOrder& order, Instant now,
                                                 bool split) {
  expire_holds_in_the_way(line.qty(), order, now);
  if (Batch* chosen = batch_for(line.qty(), order)) {
    allocate_to(*chosen, line);
    ++version_number_;
    return chosen->reference();
  }
  if (split) {
    // Expired holds hold nothing: ended before the parts are taken, whenever a batch the parts
    // may come from holds units, so that the parts are those the sweep would have left (taken
    // from the held units of an earlier batch, not from a later one).
    const bool some_held = std::any_of(batches_.begin(), batches_.end(), [&](const Batch& batch) {
      return order.usable(batch) && batch.reserved_quantity() > 0;
    });
    if (some_held && end_expired_holds(now) > 0) serve_backorders(/*freed=*/true, order);
    if (available(order) >= line.qty()) {
      ++version_number_;
      return allocate_split(line, order);
    }
  }
  const bool runs_out = !state_.out_of_stock;
  if (runs_out) {
    state_.out_of_stock = true;
    events_.emplace_back(events::OutOfStock{sku_});
  }
  if (state_.policy.backorders) {
    state_.backorders.add(line);
    events_.emplace_back(events::Backordered{line.orderid(), sku_, line.qty()});
  }
  if (runs_out || state_.policy.backorders) ++version_number_;
  return std::nullopt;
}

std::optional<std::string> Product::allocate(const OrderLine& line, std::string_view hold_id,
                                             Instant now, std::optional<std::string_view> warehouse,
                                             bool split) {
  const AllocationOrder order = order_at(now, warehouse);
  if (auto answer = existing_answer(line, order)) {
    // The order has the line already, not from this hold (which would have ended then): the
    // hold was meant for the line all the same, so it ends as used, its units free again, rather
    // than held for nothing until it expires. An expired one is the sweep's.
    const Hold* named = state_.holds.find(hold_id);
    if (!named || named->expired(now)) return *answer;
    const Hold hold = consume_hold(hold_id, line.orderid());
    // A line of the order that waits takes the held units first, as a new line would, ahead of
    // the lines that arrived before it: they were held for it.
    Batch& held = held_batch(hold);
    while (const OrderLine* waiting = state_.backorders.line_of(line.orderid())) {
      if (!order.usable(held) || !held.can_allocate(*waiting)) break;
      allocate_to(held, *state_.backorders.remove(line.orderid()));
    }
    serve_backorders(/*freed=*/true, order);
    return *existing_answer(line, order);  // the line may have been waiting, and placed now
  }
  const Hold live = live_hold(hold_id, now);
  const int available_before = available(order);
  expire_holds_in_the_held_batch(live, line.qty(), order, now);
  const Hold hold = consume_hold(hold_id, line.orderid());
  Batch& held = held_batch(hold);
  std::optional<std::string> batchref;
  if (order.usable(held) && held.can_allocate(line)) {
    allocate_to(held, line);
    if (hold.qty() > line.qty()) serve_backorders(/*freed=*/true, order);
    batchref = held.reference();
  } else {
    // The held batch lacks the units beyond the hold: the held units go back to stock, for the
    // lines waiting before this one, and the line is allocated as any other.
    serve_backorders(/*freed=*/true, order);
    batchref = allocate_new(line, order, now, split);
  }
  record_low_stock(available_before, order);
  return batchref;
}

std::optional<std::string> Product::reallocate(const OrderLine& line, Instant now) {
  const AllocationOrder order = order_at(now);
  const int version_before = version_number_;
  const int available_before = available(order);
  std::optional<std::string> batchref;
  if (line.is_part()) {
    if (released(state_.released, line.orderid())) throw ReleasedLine(line.orderid(), sku_);
    // Only this part was taken off: placed again, split if need be, unless the line has all
    // its units already (this ran before, or the order allocated the line anew meanwhile).
    if (const auto holders = holding(line.orderid(), order);
        placed(line, holders) + line.qty() <= line.line_qty()) {
      batchref = allocate_new(line, order, now, /*split=*/true);
    } else if (!holders.empty()) {
      batchref = holders.front()->reference();
    }
  } else {
    const auto existing = existing_answer(line, order);
    batchref = existing ? *existing : allocate_new(line, order, now, /*split=*/false);
  }
  const std::size_t events_before = events_.size();
  serve_backorders(/*freed=*/false, order);
  record_low_stock(available_before, order);
  // Serving changed the product (events say how) though allocating the line may not have.
  if (events_.size() != events_before && version_number_ == version_before) ++version_number_;
  return batchref;
}

const OrderLine* Product::waiting_line(std::string_view orderid) const {
  return state_.backorders.line_of(orderid);
}

std::optional<std::vector<events::Released>> Product::deallocate(std::string_view orderid,
                                                                 Instant now) {
  std::vector<events::Released> parts;
  for (Batch& batch : batches_) {
    if (auto line = batch.release(orderid)) {
      parts.push_back({line->orderid(), sku_, line->qty(), batch.reference()});
      state_.released.push_back(std::move(*line));
    }
  }
  while (auto line = state_.backorders.remove(orderid)) {
    parts.push_back({line->orderid(), sku_, line->qty(), std::nullopt});
    state_.released.push_back(std::move(*line));
  }
  if (parts.empty()) {
    if (released(state_.released, orderid)) return parts;
    return std::nullopt;
  }
  ++version_number_;
  events_.insert(events_.end(), parts.begin(), parts.end());
  // A waiting line's release frees nothing.
  const AllocationOrder order = order_at(now);
  const int available_before = available(order);
  serve_backorders(std::any_of(parts.begin(), parts.end(),
                               [](const events::Released& part) { return part.batchref; }),
                   order);
  record_low_stock(available_before, order);
  return parts;
}

events::Released Product::release_taken_off(const OrderLine& line, Instant now) {
  if (line.sku() != sku_) {
    throw std::invalid_argument("order line of sku " + line.sku() + " given to sku " + sku_);
  }
  events::Released part{line.orderid(), sku_, line.qty(), std::nullopt};
  state_.released.push_back(line);
  ++version_number_;
  events_.emplace_back(part);
  // What taking it off left free was to be its reallocation's first: now anyone's.
  const AllocationOrder order = order_at(now);
  const int available_before = available(order);
  serve_backorders(/*freed=*/true, order);
  record_low_stock(available_before, order);
  return part;
}

void Product::change_batch_quantity(std::string_view reference, int quantity, Instant now) {
  Batch* batch = find_batch(reference);
  if (!batch) throw UnknownBatch(std::string(reference));
  const int old_quantity = batch->purchased_quantity();
  const AllocationOrder order = order_at(now);
  const int available_before = available(order);
  batch->set_purchased_quantity(quantity);
  ++version_number_;
  events_.emplace_back(
      events::BatchQuantityChanged{sku_, batch->reference(), old_quantity, quantity});
  if (quantity > old_quantity) {
    serve_backorders(/*freed=*/true, order);
    record_low_stock(available_before, order);
    return;
  }
  // Expired holds hold nothing: ended first, here and in the batches holds may move to.
  bool freed =
      batch->available_quantity() < 0 && batch->reserved_quantity() > 0 && end_expired_holds(now);
  while (batch->available_quantity() < 0 && batch->reserved_quantity() > 0) {
    // A hold released whole may leave units of the batch free.
    freed = !move_or_release_latest_hold(*batch, order) || freed;
  }
  bool took_lines_off = false;
  while (batch->available_quantity() < 0) {
    OrderLine line = batch->deallocate_most_recent();
    events_.emplace_back(
        events::Deallocated{line.orderid(), line.sku(), line.qty(), batch->reference(),
                            line.is_part() ? std::optional<int>(line.line_qty()) : std::nullopt});
    took_lines_off = true;
  }
  // Lines taken off are allocated again before the queue is served (reallocate()), so that they
  // keep their units; with none, what ended holds left free is served now.
  if (freed && !took_lines_off) serve_backorders(/*freed=*/true, order);
  record_low_stock(available_before, order);
}

bool Product::move_or_release_latest_hold(Batch& batch, const AllocationOrder& order) {
  const auto& live = state_.holds.live();
  auto latest = std::find_if(live.rbegin(), live.rend(), [&](const Hold& hold) {
    return hold.batchref() == batch.reference();
  });
  if (latest == live.rend()) {
    throw std::logic_error("batch " + batch.reference() + ": its holds were not loaded");
  }
  Hold& hold = *state_.holds.find_live(latest->id());
  batch.unreserve(hold.qty());
  // Never the shrinking batch: it is over-committed by more than the hold gave back.
  if (Batch* other = batch_for(hold.qty(), order); other && other != &batch) {
    other->reserve(hold.qty());
    events_.emplace_back(
        events::ReservationMoved{hold.id(), sku_, hold.qty(), hold.batchref(), other->reference()});
    hold.batchref_ = other->reference();
    return true;
  }
  const Hold released = state_.holds.end(hold.id(), HoldEnd::released);
  events_.emplace_back(events::ReservationReleased{
      released.id(), sku_, released.qty(), released.batchref(), events::HoldRelease::stock});
  return false;
}

Product::Reservation Product::reserve(std::string id, int qty, std::chrono::seconds ttl,
                                      Instant now) {
  if (const Hold* existing = state_.holds.find(id)) {
    if (existing->qty() != qty || existing->ttl() != ttl) {
      throw HoldConflict(id, "exists with another qty or ttl_s");
    }
    if (existing->expired(now)) throw HoldExpired(id, existing->expires_at());
    return {*existing, false};
  }
  if (state_.holds.ended_here(id)) throw HoldConflict(id, "has ended");
  const AllocationOrder order = order_at(now);
  const int available_before = available(order);
  expire_holds_in_the_way(qty, order, now);
  Batch* batch = batch_for(qty, order);
  if (!batch) throw NoStockToHold(sku_, qty);
  Hold hold(std::move(id), sku_, qty, batch->reference(), now + ttl, ttl);
  batch->reserve(qty);
  events_.emplace_back(
      events::Reserved{hold.id(), sku_, qty, batch->reference(), hold.expires_at()});
  state_.holds.add(hold);
  ++version_number_;
  record_low_stock(available_before, order);
  return {std::move(hold), true};
}

Hold Product::extend_hold(std::string_view id, std::chrono::seconds ttl, Instant now) {
  if (ttl.count() <= 0) throw std::invalid_argument("a hold's ttl must be > 0");
  Hold& hold = live_hold(id, now);
  hold.expires_at_ = now + ttl;
  ++version_number_;
  events_.emplace_back(events::ReservationExtended{hold.id(), sku_, hold.expires_at()});
  return hold;
}

events::ReservationReleased Product::release_hold(std::string_view id, Instant now) {
  live_hold(id, now);
  const AllocationOrder order = order_at(now);
  const int available_before = available(order);
  const Hold hold = state_.holds.end(id, HoldEnd::released);
  held_batch(hold).unreserve(hold.qty());
  events::ReservationReleased released{hold.id(), sku_, hold.qty(), hold.batchref(),
                                       events::HoldRelease::requested};
  events_.emplace_back(released);
  ++version_number_;
  serve_backorders(/*freed=*/true, order);
  record_low_stock(available_before, order);
  return released;
}

int Product::expire_holds(Instant now) {
  const AllocationOrder order = order_at(now);
  const int available_before = available(order);
  const int ended = end_expired_holds(now);
  if (ended > 0) serve_backorders(/*freed=*/true, order);
  record_low_stock(available_before, order);
  return ended;
}

int Product::end_expired_holds(Instant now) {
  const std::vector<std::string> expired = state_.holds.expired(now);
  for (const std::string& id : expired) {
    const Hold hold = state_.holds.end(id, HoldEnd::expired);
    held_batch(hold).unreserve(hold.qty());
    events_.emplace_back(events::ReservationExpired{hold.id(), sku_, hold.qty(), hold.batchref()});
  }
  if (!expired.empty()) ++version_number_;
  return static_cast<int>(expired.size());
}

void Product::expire_holds_in_the_way(int qty, const AllocationOrder& order, Instant now) {
  const Batch* chosen = batch_for(qty, order);
  const bool in_the_way = std::any_of(batches_.begin(), batches_.end(), [&](const Batch& batch) {
    return order.usable(batch) && batch.reserved_quantity() > 0 && !batch.can_take(qty) &&
           batch.available_quantity() + batch.reserved_quantity() >= qty &&
           (!chosen || comes_before(batch, *chosen, order));
  });
  if (in_the_way && end_expired_holds(now) > 0) serve_backorders(/*freed=*/true, order);
}

void Product::expire_holds_in_the_held_batch(const Hold& hold, int qty,
                                             const AllocationOrder& order, Instant now) {
  const Batch& batch = held_batch(hold);
  const int free_with_the_hold = batch.available_quantity() + hold.qty();
  const bool in_the_way = order.usable(batch) && free_with_the_hold < qty &&
                          batch.reserved_quantity() > hold.qty() &&
                          batch.available_quantity() + batch.reserved_quantity() >= qty;
  // Before the hold is consumed, as the sweep would have ended them: the lines waiting take
  // what they free, not the held units.
  if (in_the_way && end_expired_holds(now) > 0) serve_backorders(/*freed=*/true, order);
}

Hold Product::consume_hold(std::string_view id, std::string_view orderid) {
  const Hold hold = state_.holds.end(id, HoldEnd::consumed);
  held_batch(hold).unreserve(hold.qty());
  events_.emplace_back(events::ReservationConsumed{hold.id(), sku_, hold.qty(), hold.batchref(),
                                                   std::string(orderid)});
  ++version_number_;
  return hold;
}

Hold& Product::live_hold(std::string_view id, Instant now) {
  Hold* hold = state_.holds.find_live(id);
  if (!hold) throw UnknownHold(std::string(id));
  if (hold->expired(now)) throw HoldExpired(hold->id(), hold->expires_at());
  return *hold;
}

Batch& Product::held_batch(const Hold& hold) {
  Batch* batch = find_batch(hold.batchref());
  if (!batch) {
    throw std::logic_error("hold " + hold.id() + " is in batch " + hold.batchref() +
                           ", not of product " + sku_);
  }
  return *batch;
}

void Product::set_policy(ProductPolicy policy) {
  if (policy.low_stock_threshold && *policy.low_stock_threshold < 0) {
    throw std::invalid_argument("a low-stock threshold must be >= 0");
  }
  if (policy == state_.policy) return;
  state_.policy = policy;
  ++version_number_;
}

void Product::serve_backorders(bool freed, const AllocationOrder& allocating) {
  const AllocationOrder order = allocating.without_preference();
  state_.backorders.serve([&] { return room(order); },
                          [&](const OrderLine& line) {
                            Batch* chosen = batch_for(line.qty(), order);
                            if (!chosen) return false;
                            allocate_to(*chosen, line);
                            return true;
                          });
  // Back in stock: units freed or added (not merely left over when a line found no batch),
  // and some still free once the queue took its share.
  if (const int available = this->available(order); state_.out_of_stock && freed && available > 0) {
    state_.out_of_stock = false;
    events_.emplace_back(events::BackInStock{sku_, available});
  }
}

void Product::record_low_stock(int available_before, const AllocationOrder& order) {
  const std::optional<int>& threshold = state_.policy.low_stock_threshold;
  const int available = this->available(order);
  if (threshold && available_before > *threshold && available <= *threshold) {
    events_.emplace_back(events::LowStock{sku_, available, *threshold});
  }
}

std::vector<Event> Product::take_events() { return std::exchange(events_, {}); }

}  // namespace allocation::domain
