#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "allocation/domain/events.hpp"
#include "allocation/service_layer/idempotency.hpp"
#include "allocation/service_layer/ports/order_lines.hpp"
#include "allocation/service_layer/ports/product_repository.hpp"
#include "allocation/service_layer/ports/reservations.hpp"
#include "allocation/service_layer/ports/warehouses.hpp"

namespace allocation::service_layer {

// Port: one atomic change of the products. A unit of work exists only inside
// UnitsOfWork::perform, which makes it, hands it to the work and ends it: the work commits it,
// or it is rolled back. Used by one thread at a time.
class UnitOfWork {
 public:
  UnitOfWork(const UnitOfWork&) = delete;
  UnitOfWork& operator=(const UnitOfWork&) = delete;
  virtual ~UnitOfWork() = default;

  virtual ProductRepository& products() = 0;

  // Writes every change at once. Throws ConcurrencyError, writing nothing, when a product
  // changed since this unit of work loaded it. A unit of work commits at most once.
  void commit();

  // The events of the products loaded or added, once committed (a unit of work that did not
  // commit changed nothing, so it has nothing to tell). For the UnitsOfWork that made it.
  std::vector<domain::Event> collect_new_events();

  // Reallocations that survive a crash. A commit that takes lines off a batch also stores each
  // Deallocated event as a pending reallocation, in the same transaction. The unit of work that
  // allocates the line again settles it, again in its own transaction. A process that dies in
  // between leaves it pending, and MessageBus::recover() handles it again.
  void settle_reallocation(const domain::events::Deallocated& event) { settled_.push_back(event); }
  // Sets a warehouse's priority, written with the commit. It changes no product: a product
  // reads the priorities of its batches' warehouses each time it is loaded.
  void set_warehouse_priority(WarehousePriority priority) {
    priorities_.push_back(std::move(priority));
  }
  // Records that the broker message with this id was applied, written with the commit: a
  // delivery of it again, to any process on the store, finds it with message_applied().
  void record_applied_message(std::string message_id) {
    applied_messages_.push_back(std::move(message_id));
  }
  // Whether a committed unit of work recorded the message with this id as applied.
  virtual bool message_applied(std::string_view message_id) = 0;
  // Records the answer to a keyed request, written with the commit: a retry of the request, in
  // any process on the store, finds it with answer_to() instead of doing the work again.
  void record_answer(KeyedRequest request, RecordedAnswer answer) {
    answers_.push_back({std::move(request), std::move(answer)});
  }
  // The live answer a committed unit of work recorded under the request's key (one recorded
  // since request.oldest_live()), with the fingerprint of the request it answered.
  virtual std::optional<StoredAnswer> answer_to(const KeyedRequest& request) = 0;
  // For the bus, before the work runs: the work's commit() then only asks for the commit, which
  // the bus carries out with finish_commit() once it has recorded what needs the work's result
  // (the answer to a keyed request) in the same transaction.
  void defer_commit() { defer_commit_ = true; }
  // Whether the work asked for a commit that was deferred.
  bool commit_asked() const { return commit_asked_; }
  // Commits what the work asked to commit, with what was recorded since.
  void finish_commit();
  // Every pending reallocation, oldest first.
  virtual std::vector<domain::events::Deallocated> pending_reallocations() = 0;
  // The order's lines in every product, as one read sees them (OrderLines::of_order): a line
  // moving between a batch and the pending reallocations is in one or the other.
  virtual std::vector<OrderLineView> order_lines(std::string_view orderid) = 0;
  // The hold with this id, live or ended, as this unit of work reads it (Reservations::find):
  // what tells why a product has no live hold of an id.
  virtual std::optional<ReservationView> reservation(std::string_view id) = 0;

 protected:
  UnitOfWork() = default;  // by a UnitsOfWork, for the work it performs

  // For write_changes(): what to take off the pending reallocations.
  const std::vector<domain::events::Deallocated>& settled_reallocations() const { return settled_; }
  // For write_changes(): the warehouses' priorities to write, in the order set.
  const std::vector<WarehousePriority>& warehouse_priorities_set() const { return priorities_; }
  // For write_changes(): the ids of the broker messages applied, to record.
  const std::vector<std::string>& applied_messages() const { return applied_messages_; }
  // For write_changes(): the answers to keyed requests, to record.
  const std::vector<KeyedRequestAnswer>& recorded_answers() const { return answers_; }

 private:
  // Writes the changes of the products, the pending reallocations their Deallocated events
  // add and those settled, and the warehouses' priorities set, all or nothing.
  virtual void write_changes() = 0;

  bool committed_ = false;
  bool defer_commit_ = false;
  bool commit_asked_ = false;
  std::vector<domain::events::Deallocated> settled_;
  std::vector<WarehousePriority> priorities_;
  std::vector<std::string> applied_messages_;
  std::vector<KeyedRequestAnswer> answers_;
};

// Port: a store's units of work, and the only way to have one. Thread-safe: any number of
// threads perform work at once.
class UnitsOfWork {
 public:
  using Work = std::function<void(UnitOfWork&)>;

  UnitsOfWork() = default;
  UnitsOfWork(const UnitsOfWork&) = delete;
  UnitsOfWork& operator=(const UnitsOfWork&) = delete;
  virtual ~UnitsOfWork() = default;

  // Runs `work` with a fresh unit of work, and returns the events of what it committed once
  // that is durable. Rethrows what `work` threw, or Unavailable when the commit did not reach
  // the disk; nothing of a unit of work that did not commit is written.
  //
  // `product` is the product the work changes, when known before. A store may use it to make
  // the work of one product take turns in this process, so that its writers wait for each other
  // rather than lose optimistic-concurrency races to each other, and may commit several turns
  // at once; work of no known product is guarded by the version check alone. A store may run
  // `work` on another thread than the caller's, and may run it a second time, with another
  // fresh unit of work, having written nothing of the first run: `work` must do nothing but
  // through the unit of work it is given.
  virtual std::vector<domain::Event> perform(std::optional<std::string_view> product,
                                             const Work& work) = 0;
  std::vector<domain::Event> perform(const Work& work) { return perform(std::nullopt, work); }
};

}  // namespace allocation::service_layer
