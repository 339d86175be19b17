#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "allocation/domain/events.hpp"
#include "allocation/service_layer/ports/product_repository.hpp"

namespace allocation::service_layer {

// Port: one atomic change of the products. RAII: a unit of work that is destroyed without
// commit() rolls back (implementations do so in their destructors), so an exception anywhere in
// a handler leaves the store as it was. Used by one thread at a time.
class UnitOfWork {
 public:
  UnitOfWork() = default;
  UnitOfWork(const UnitOfWork&) = delete;
  UnitOfWork& operator=(const UnitOfWork&) = delete;
  virtual ~UnitOfWork() = default;

  virtual ProductRepository& products() = 0;

  // Runs `work`: all a handler does with this unit of work, its commit() included. `product`
  // is the product the work changes, when known before. A store may use it to make the work
  // of one product take turns in this process, so that its writers wait for each other rather
  // than lose optimistic-concurrency races to each other, and may commit several turns at once;
  // work of no known product is guarded by the version check alone. A store may also run
  // `work` on another thread than the caller's (one writer thread for the whole store, or the
  // thread whose turn it is). Either way, perform returns once `work` has returned and what it
  // committed is durable, and it rethrows what `work` threw, or Unavailable when the commit did
  // not reach the disk. A store may run `work` a second time, having written nothing of the
  // first run and forgotten what it loaded (see start_again): `work` must do nothing but
  // through this unit of work. The default runs `work` at once, in the caller's thread.
  virtual void perform(std::optional<std::string_view> /*product*/,
                       const std::function<void()>& work) {
    work();
  }
  void perform(const std::function<void()>& work) { perform(std::nullopt, work); }

  // Writes every change at once. Throws ConcurrencyError, writing nothing, when a product
  // changed since this unit of work loaded it. A unit of work commits at most once.
  void commit();

  // The events of the products loaded or added, once committed (a unit of work that did not
  // commit changed nothing, so it has nothing to tell).
  std::vector<domain::Event> collect_new_events();

  // Reallocations that survive a crash. A commit that takes lines off a batch also stores each
  // Deallocated event as a pending reallocation, in the same transaction. The unit of work that
  // allocates the line again settles it, again in its own transaction. A process that dies in
  // between leaves it pending, and MessageBus::recover() handles it again.
  void settle_reallocation(const domain::events::Deallocated& event) { settled_.push_back(event); }
  // Every pending reallocation, oldest first.
  virtual std::vector<domain::events::Deallocated> pending_reallocations() = 0;

 protected:
  // For a perform() that runs its work again: forgets the commit and the settled reallocations
  // of the run before. (The repository is the store's to start again.)
  void start_again() {
    committed_ = false;
    settled_.clear();
  }
  // For write_changes(): what to take off the pending reallocations.
  const std::vector<domain::events::Deallocated>& settled_reallocations() const { return settled_; }

 private:
  // Writes the changes of the products, the pending reallocations their Deallocated events
  // add and those settled, all or nothing.
  virtual void write_changes() = 0;

  bool committed_ = false;
  std::vector<domain::events::Deallocated> settled_;
};

using UnitOfWorkFactory = std::function<std::unique_ptr<UnitOfWork>()>;

}  // namespace allocation::service_layer
