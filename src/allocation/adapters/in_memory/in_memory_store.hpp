#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "allocation/domain/events.hpp"
#include "allocation/domain/product.hpp"
#include "allocation/service_layer/idempotency.hpp"
#include "allocation/service_layer/ports/clock.hpp"
#include "allocation/service_layer/ports/order_lines.hpp"
#include "allocation/service_layer/ports/product_repository.hpp"
#include "allocation/service_layer/ports/reservations.hpp"
#include "allocation/service_layer/ports/stock_ledger.hpp"
#include "allocation/service_layer/ports/stock_states.hpp"
#include "allocation/service_layer/ports/warehouses.hpp"

namespace allocation::adapters {

// The "database" of the in-memory adapters: every product, shared by all units of work made
// from it. One mutex guards it; it is held only to copy products in or out, never while a
// handler runs, so units of work race exactly as they would on a database.
//
// A product's backorder queue is kept apart from it, as a database's table, and a product
// found reads it on demand (domain::BackorderQueue), as the SQL repository does: only the
// order's own waiting line comes with it. Every live hold comes with its product; ended holds
// are kept apart, for reservation().
class InMemoryStore {
 public:
  // `clock` stamps the ledger's movements; without one they are stamped 1970-01-01T00:00:00Z.
  explicit InMemoryStore(std::shared_ptr<const service_layer::Clock> clock = nullptr)
      : clock_(std::move(clock)) {}

  // The product, with its lines, and of the queue the waiting line of `orderid`, if any.
  std::optional<domain::Product> find(std::string_view sku, std::string_view orderid = {}) const;
  std::optional<domain::Product> find_by_batchref(std::string_view reference) const;
  // The product holding the live hold `id`.
  std::optional<domain::Product> find_by_hold(std::string_view id) const;

  // Writes the changed products all at once, if each is still at the version it was loaded at
  // (absent, for a new one) and no batch reference went to another SKU meanwhile, with the
  // pending reallocations they add and those `settled`, and the ledger's movements of their
  // events (service_layer/stock_movements.hpp), numbered in commit order, and the warehouses'
  // `priorities`, the broker messages `applied` and the `answers` to keyed requests. Otherwise
  // throws service_layer::ConcurrencyError and writes nothing.
  using Answers = std::vector<service_layer::KeyedRequestAnswer>;
  void commit(const std::vector<const service_layer::TrackedProduct*>& changed,
              const std::vector<domain::events::Deallocated>& settled,
              const std::vector<service_layer::WarehousePriority>& priorities = {},
              const std::vector<std::string>& applied = {}, const Answers& answers = {});
  bool message_applied(std::string_view message_id) const;
  // The live answer recorded under the request's key (service_layer::UnitOfWork::answer_to).
  std::optional<service_layer::StoredAnswer> answer_to(
      const service_layer::KeyedRequest& request) const;
  // Forgets up to `limit` answers recorded before `cutoff`; returns how many
  // (service_layer::IdempotencyKeys).
  int forget_answers_before(domain::Instant cutoff, int limit);

  std::vector<domain::events::Deallocated> pending_reallocations() const;

  // The order's lines in every product: allocated, taken off and pending reallocation,
  // waiting, released; by SKU.
  std::vector<service_layer::OrderLineView> order_lines(std::string_view orderid) const;
  // Every movement of the ledger, in commit order.
  std::vector<service_layer::StoredMovement> movements() const;
  // Every product, as committed.
  std::vector<domain::Product> products() const;
  // The stock states of the product, or of up to `count` products after `after` in SKU order,
  // on `today`.
  std::optional<service_layer::ProductStock> product_stock(std::string_view sku,
                                                           domain::Date today) const;
  std::vector<service_layer::ProductStock> product_stocks(std::string_view after, std::size_t count,
                                                          domain::Date today) const;
  // The hold, live or ended (service_layer::Reservations).
  std::optional<service_layer::ReservationView> reservation(std::string_view id) const;
  std::vector<std::string> skus_with_expired(domain::Instant now, int limit) const;
  // The warehouses configured or named by a batch (service_layer::Warehouses).
  std::vector<service_layer::WarehouseView> warehouses() const;
  // The SKU a batch belongs to.
  std::optional<std::string> sku_of_batch(std::string_view reference) const;

  // How many times a product was written: lets tests see that a commit happened.
  int commits() const;

 private:
  using Queue = std::vector<domain::WaitingLine>;
  // The stored product with its queue (mutex_ held).
  domain::Product restore(const domain::Product& stored, std::string_view orderid) const;
  // The stored product's stock states (mutex_ held).
  service_layer::ProductStock stock(const domain::Product& stored, domain::Date today) const;

  std::shared_ptr<const service_layer::Clock> clock_;
  mutable std::mutex mutex_;
  // Without their queues (an empty BackorderQueue each).
  std::map<std::string, domain::Product, std::less<>> products_;
  // Each SKU's waiting lines in arrival order; replaced, never changed, at a commit, so that
  // a product found reads the queue as it was (its snapshot) without the mutex.
  std::map<std::string, std::shared_ptr<const Queue>, std::less<>> queues_;
  std::int64_t next_seq_ = 1;
  std::map<std::string, std::string, std::less<>> sku_by_batchref_;
  std::map<std::string, std::string, std::less<>> sku_by_hold_;  // live holds
  std::map<std::string, service_layer::ReservationView, std::less<>> ended_holds_;
  std::vector<domain::events::Deallocated> pending_reallocations_;
  std::vector<service_layer::StoredMovement> movements_;
  // Every configured priority: a product found comes with all of them (a database reads only
  // those of its batches' warehouses; the others decide nothing for it).
  domain::WarehousePriorities priorities_;
  std::set<std::string, std::less<>> applied_messages_;
  struct KeptAnswer {
    service_layer::StoredAnswer stored;
    domain::Instant at;
  };
  std::map<std::string, KeptAnswer, std::less<>> answers_;
  int commits_ = 0;
};

}  // namespace allocation::adapters
