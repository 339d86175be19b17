#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "allocation/domain/allocation_order.hpp"
#include "allocation/domain/backorder_queue.hpp"
#include "allocation/domain/batch.hpp"
#include "allocation/domain/events.hpp"
#include "allocation/domain/hold.hpp"
#include "allocation/domain/holds.hpp"
#include "allocation/domain/order_line.hpp"
#include "allocation/domain/product_policy.hpp"
#include "allocation/domain/warehouse_priorities.hpp"

namespace allocation::domain {

// What a product is besides its batches, as stored.
struct ProductState {
  ProductPolicy policy;
  // It recorded OutOfStock and has not had stock again since (BackInStock).
  bool out_of_stock = false;
  BackorderQueue backorders;
  // Its live holds, as far as loaded (see Holds).
  Holds holds = {};
  // Lines of orders that released them, among the orders a repository loaded.
  std::vector<OrderLine> released;
  // The priorities of the warehouses its batches are in, as read with it: not part of the
  // product (no change of them touches it), but what its allocation order needs.
  WarehousePriorities priorities = {};
};

// The aggregate root of one SKU: every batch of it, its backorder queue, its policy, and the
// version number that detects concurrent changes. Every change to stock goes through a Product,
// which records what happened as events and increments its version once per change.
//
// A repository may load a product partially: every batch with its exact allocated total, but
// only the order lines an operation needs (for allocate() and deallocate(), those of the order;
// for change_batch_quantity(), all lines of that batch), and the backorder queue on demand (see
// BackorderQueue). Nothing else needs the rest, and not loading it keeps an operation's cost
// independent of history.
//
// Whenever stock frees up (a batch added, a quantity raised, a line or a hold released), the
// waiting lines that fit are allocated in the same change: no waiting line fits in what is free
// after any operation.
//
// Holds (SPEC §7.3) take units of a batch like lines do, until they expire: for every batch,
// allocated + reserved <= purchased. An expired hold holds nothing: an operation that would find
// its units taken ends the product's expired holds first, in the same change. The domain reads
// no clock: operations that depend on the time take `now`.
class Product {
 public:
  explicit Product(std::string sku, std::vector<Batch> batches = {}, int version_number = 0,
                   ProductState state = {});

  const std::string& sku() const { return sku_; }
  int version_number() const { return version_number_; }
  const std::vector<Batch>& batches() const { return batches_; }
  const Batch* batch(std::string_view reference) const;
  const ProductPolicy& policy() const { return state_.policy; }
  bool out_of_stock() const { return state_.out_of_stock; }
  const BackorderQueue& backorders() const { return state_.backorders; }
  const std::vector<OrderLine>& released_lines() const { return state_.released; }
  const Holds& holds() const { return state_.holds; }
  const WarehousePriorities& warehouse_priorities() const { return state_.priorities; }
  // Units the batches can still take at `now`, over all of them but the expired.
  int available_quantity(Instant now) const;

  // Adds a batch of this SKU, recording BatchAdded, and serves the backorder queue from it.
  // Returns false and changes nothing when a batch with the same reference and the same data is
  // here already; throws BatchConflict when its data differ.
  bool add_batch(Batch batch, Instant now);

  // Allocates the line to the first batch that can take it in the allocation order
  // (AllocationOrder: the `warehouse` preferred first, warehouse stock before incoming, then
  // priority and expiry, never an expired batch). Returns that batch's reference and records
  // Allocated. With `split`, when no batch can take the whole line but the usable batches
  // together can, the line is taken from them in the allocation order, one part each (an
  // Allocated per part), and the first part's batch is returned (parts() lists them). When
  // none can: with backorders on, the line waits in the queue (Backordered); either way returns
  // nullopt, and records OutOfStock if the product had not run out already.
  // The same line again (same order, same qty, allocated or waiting) changes nothing and answers
  // the same, so that a client may retry; the order's line with another qty throws LineConflict,
  // and a line the order released throws ReleasedLine, changing nothing.
  std::optional<std::string> allocate(const OrderLine& line, Instant now,
                                      std::optional<std::string_view> warehouse = std::nullopt,
                                      bool split = false);
  // Allocates the line with the live hold `hold_id` (SPEC §7.3), ending it (ReservationConsumed):
  // the line takes the held batch when that batch has the units beyond the hold free (held
  // units beyond the line are free again); otherwise the line is allocated as allocate() would.
  // The order's line that exists already answers as allocate() does, whatever the hold; a live
  // hold it names ends all the same (ReservationConsumed, its units free again). Throws
  // UnknownHold when the product has no such live hold, HoldExpired when it expired.
  std::optional<std::string> allocate(const OrderLine& line, std::string_view hold_id, Instant now,
                                      std::optional<std::string_view> warehouse = std::nullopt,
                                      bool split = false);
  // Allocates again a line a quantity change took off (allocate()), then serves the backorder
  // queue from what is still free: taking lines off may free more than the change asked, and the
  // lines taken off had those units first. A part of a split line is placed again alone (split
  // further if need be), unless the line has all its units already. Returns where the line (the
  // part) is: nullopt when it waits or found no batch.
  std::optional<std::string> reallocate(const OrderLine& line, Instant now);
  // The parts of the order's allocated line, in the allocation order at `now` (preferring
  // `warehouse`, as allocate() does): one for a line in one batch, none for a line waiting or
  // unknown (as loaded: see ProductRepository).
  std::vector<LinePart> parts(std::string_view orderid, Instant now,
                              std::optional<std::string_view> warehouse = std::nullopt) const;
  // The order's line if it waits in the backorder queue (as loaded: see ProductRepository).
  const OrderLine* waiting_line(std::string_view orderid) const;

  // Releases the order's line, from its batch or from the backorder queue, recording Released,
  // and serves the queue from the units it frees. Returns what was released: empty when the
  // order released the line already; nullopt when the product knows no line of the order.
  std::optional<std::vector<events::Released>> deallocate(std::string_view orderid, Instant now);
  // Releases a line that is in no batch and no queue: taken off its batch (Deallocated) and not
  // allocated again yet. Its reallocation then finds it released; the backorder queue is served
  // from what taking it off left free.
  events::Released release_taken_off(const OrderLine& line, Instant now);

  // Sets a batch's purchased quantity (BatchQuantityChanged). Raised: serves the backorder queue.
  // Lowered below what it allocated and holds: ends its expired holds; then moves its most
  // recent holds to the batch the allocation order gives them (ReservationMoved), or releases
  // them (ReservationReleased, reason stock) when none can; then takes off its most recently
  // allocated lines, recording Deallocated for each. Throws UnknownBatch.
  void change_batch_quantity(std::string_view reference, int quantity, Instant now);

  // Holds `qty` units for `ttl` in the batch allocate() would pick (Reserved), and returns the
  // hold. The id of a live hold with the same qty and ttl answers that hold, changing nothing.
  // Throws HoldConflict when the id names a live hold with other data, or one that ended in
  // this unit of work; HoldExpired when it names an expired one; NoStockToHold when no batch can
  // take the units.
  struct Reservation {
    Hold hold;
    bool created;
  };
  Reservation reserve(std::string id, int qty, std::chrono::seconds ttl, Instant now);
  // Sets the live hold to expire at now + ttl (ReservationExtended). Throws UnknownHold,
  // HoldExpired.
  Hold extend_hold(std::string_view id, std::chrono::seconds ttl, Instant now);
  // Lets the live hold go (ReservationReleased, reason requested) and serves the backorder queue
  // from its units. Throws UnknownHold, HoldExpired.
  events::ReservationReleased release_hold(std::string_view id, Instant now);
  // Ends every hold of the product expired at `now` (ReservationExpired), loaded or stored, and
  // serves the backorder queue from their units. Returns how many ended.
  int expire_holds(Instant now);

  // Throws std::invalid_argument for a negative threshold. Lines waiting stay in the queue when
  // backorders are turned off.
  void set_policy(ProductPolicy policy);

  const std::vector<Event>& events() const { return events_; }
  // Hands over the events recorded so far and forgets them.
  std::vector<Event> take_events();

 private:
  Batch* find_batch(std::string_view reference);
  // The product's allocation order on the day of `now`, preferring `preferred`'s batches.
  AllocationOrder order_at(Instant now,
                           std::optional<std::string_view> preferred = std::nullopt) const;
  // Units the usable batches can still take.
  int available(const AllocationOrder& order) const;
  // The batch `qty` units go to, by the allocation order; nullptr when none can take them.
  Batch* batch_for(int qty, const AllocationOrder& order);
  // The allocation order, ties in the order the batches were added.
  bool comes_before(const Batch& a, const Batch& b, const AllocationOrder& order) const;
  // Ends the expired holds when a hold may stand between `qty` units and the batch the
  // allocation order would give them: a batch before the one they would get (or any, when none
  // can take them) that could take them but for its holds.
  void expire_holds_in_the_way(int qty, const AllocationOrder& order, Instant now);
  // Ends the expired holds, and serves the queue from what they free, when the held batch of
  // live `hold` could take `qty` units but for its other holds, and not with its free units
  // and the hold's alone.
  void expire_holds_in_the_held_batch(const Hold& hold, int qty, const AllocationOrder& order,
                                      Instant now);
  // Ends every hold expired at `now` (ReservationExpired) without serving the queue; returns
  // how many.
  int end_expired_holds(Instant now);
  // The live hold; throws UnknownHold, or HoldExpired when it expired at `now`.
  Hold& live_hold(std::string_view id, Instant now);
  // The batch a hold of this product is in.
  Batch& held_batch(const Hold& hold);
  // Ends the live hold as used by the line of `orderid` (ReservationConsumed), its units no longer
  // reserved, and returns it.
  Hold consume_hold(std::string_view id, std::string_view orderid);
  // Takes the most recent hold off an over-committed batch: to another batch (true), or
  // released (false).
  bool move_or_release_latest_hold(Batch& batch, const AllocationOrder& order);
  // The batches holding a part of the order's line, in the allocation order.
  std::vector<const Batch*> holding(std::string_view orderid, const AllocationOrder& order) const;
  // Units of the order's line in `holders` (holding()) or waiting; throws LineConflict when
  // they are of a line of another qty than `line`'s.
  int placed(const OrderLine& line, const std::vector<const Batch*>& holders) const;
  // What allocate() answers for a line the product has already (allocated or waiting); nullopt
  // for a new line. Throws LineConflict, ReleasedLine.
  std::optional<std::optional<std::string>> existing_answer(const OrderLine& line,
                                                            const AllocationOrder& order) const;
  // Allocates a new line, or a part of one taken off (see allocate()).
  std::optional<std::string> allocate_new(const OrderLine& line, const AllocationOrder& order,
                                          Instant now, bool split);
  // Takes the line from the usable batches in the allocation order, which can cover it
  // together; returns the first part's batch.
  std::string allocate_split(const OrderLine& line, const AllocationOrder& order);
  // The most units one usable batch can still take: the largest line that fits somewhere.
  int room(const AllocationOrder& order) const;
  void allocate_to(Batch& batch, const OrderLine& line);
  // After a change: allocates the waiting lines that fit, then records BackInStock if the
  // product had run out, the change `freed` units (added, raised, released from a batch, or
  // no longer owed to a line taken off), and some are left.
  void serve_backorders(bool freed, const AllocationOrder& allocating);
  // At the end of an operation (once each, never in a step of one): records LowStock if
  // available fell from above the threshold, where it was when the operation began, to it or
  // below it.
  void record_low_stock(int available_before, const AllocationOrder& order);

  std::string sku_;
  int version_number_;
  std::vector<Batch> batches_;
  ProductState state_;
  std::vector<Event> events_;
};

}  // namespace allocation::domain
