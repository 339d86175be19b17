#include "allocation/adapters/in_memory/in_memory_store.hpp"

#include <algorithm>

#include "allocation/adapters/utc_time.hpp"
#include "allocation/service_layer/errors.hpp"
#include "allocation/service_layer/stock_movements.hpp"

namespace allocation::adapters {

namespace {

service_layer::HoldStatus hold_status(domain::HoldEnd how) {
  switch (how) {
    case domain::HoldEnd::expired:
      return service_layer::HoldStatus::expired;
    case domain::HoldEnd::released:
      return service_layer::HoldStatus::released;
    case domain::HoldEnd::consumed:
      return service_layer::HoldStatus::consumed;
  }
  return service_layer::HoldStatus::released;
}

}  // namespace

domain::Product InMemoryStore::restore(const domain::Product& stored,
                                       std::string_view orderid) const {
  auto queue = queues_.find(stored.sku());
  std::shared_ptr<const Queue> snapshot =
      queue == queues_.end() ? std::make_shared<const Queue>() : queue->second;
  std::vector<domain::WaitingLine> order_line;
  for (const domain::WaitingLine& waiting : *snapshot) {
    if (!orderid.empty() && waiting.line.orderid() == orderid) order_line.push_back(waiting);
  }
  domain::BackorderQueue backorders(
      [snapshot](std::int64_t after, int max_qty) {
        std::vector<domain::WaitingLine> page;
        for (const domain::WaitingLine& waiting : *snapshot) {
          if (waiting.seq > after && waiting.line.qty() <= max_qty) page.push_back(waiting);
        }
        return page;
      },
      std::move(order_line));
  return domain::Product(stored.sku(), stored.batches(), stored.version_number(),
                         domain::ProductState{.policy = stored.policy(),
                                              .out_of_stock = stored.out_of_stock(),
                                              .backorders = std::move(backorders),
                                              .holds = domain::Holds(stored.holds().live()),
                                              .released = stored.released_lines(),
                                              .priorities = priorities_});
}

std::optional<domain::Product> InMemoryStore::find(std::string_view sku,
                                                   std::string_view orderid) const {
  std::lock_guard lock(mutex_);
  auto it = products_.find(sku);
  if (it == products_.end()) return std::nullopt;
  return restore(it->second, orderid);
}

std::optional<domain::Product> InMemoryStore::find_by_batchref(std::string_view reference) const {
  std::lock_guard lock(mutex_);
  auto owner = sku_by_batchref_.find(reference);
  if (owner == sku_by_batchref_.end()) return std::nullopt;
  return restore(products_.at(owner->second), {});
}

std::optional<domain::Product> InMemoryStore::find_by_hold(std::string_view id) const {
  std::lock_guard lock(mutex_);
  auto owner = sku_by_hold_.find(id);
  if (owner == sku_by_hold_.end()) return std::nullopt;
  return restore(products_.at(owner->second), {});
}

void InMemoryStore::commit(const std::vector<const service_layer::TrackedProduct*>& changed,
                           const std::vector<domain::events::Deallocated>& settled,
                           const std::vector<service_layer::WarehousePriority>& priorities,
                           const std::vector<std::string>& applied, const Answers& answers) {
  std::lock_guard lock(mutex_);
  for (const auto* tracked : changed) {
    const auto& sku = tracked->product.sku();
    auto stored = products_.find(sku);
    const bool still_as_loaded =
        tracked->is_new() ? stored == products_.end()
                          : stored != products_.end() &&
                                stored->second.version_number() == *tracked->loaded_version;
    if (!still_as_loaded) throw service_layer::ConcurrencyError("product " + sku + " changed");
    for (const auto& batch : tracked->product.batches()) {
      auto owner = sku_by_batchref_.find(batch.reference());
      if (owner != sku_by_batchref_.end() && owner->second != sku) {
        throw service_layer::ConcurrencyError("batch " + batch.reference() + " was taken");
      }
    }
    // Hold ids are unique across products, ended holds included, like batch references.
    for (const auto& hold : tracked->product.holds().live()) {
      auto owner = sku_by_hold_.find(hold.id());
      if ((owner != sku_by_hold_.end() && owner->second != sku) ||
          ended_holds_.contains(hold.id())) {
        throw service_layer::ConcurrencyError("reservation " + hold.id() + " was taken");
      }
    }
  }
  for (const auto& message_id : applied) {
    if (applied_messages_.contains(message_id)) {
      throw service_layer::ConcurrencyError("message " + message_id + " was applied meanwhile");
    }
  }
  for (const auto& [request, answer] : answers) {
    if (auto kept = answers_.find(request.key);
        kept != answers_.end() && kept->second.at >= request.oldest_live()) {
      throw service_layer::ConcurrencyError("idempotency key " + request.key +
                                            " was answered meanwhile");
    }
  }
  applied_messages_.insert(applied.begin(), applied.end());
  for (const auto& [request, answer] : answers) {
    answers_.insert_or_assign(request.key, KeptAnswer{{request.fingerprint, answer}, request.at});
  }
  if (!priorities.empty()) {
    auto configured = priorities_.configured();
    for (const auto& set : priorities) configured.insert_or_assign(set.warehouse, set.priority);
    priorities_ = domain::WarehousePriorities(std::move(configured));
  }
  // A line (a part of a split line) is settled by (orderid, sku, batchref), as in the SQL store.
  for (const auto& done : settled) {
    std::erase_if(pending_reallocations_, [&](const domain::events::Deallocated& pending) {
      return pending.orderid == done.orderid && pending.sku == done.sku &&
             pending.batchref == done.batchref;
    });
  }
  const std::string at =
      format_utc(clock_ ? clock_->now() : std::chrono::system_clock::time_point{});
  for (const auto* tracked : changed) {
    for (const auto& event : tracked->product.events()) {
      for (auto& m : service_layer::stock_movements(event)) {
        const auto seq = static_cast<long long>(movements_.size()) + 1;
        movements_.push_back({seq, at, std::move(m.sku), std::move(m.batchref), std::string(m.kind),
                              m.qty, std::move(m.orderid),
                              m.reason ? std::optional<std::string>(*m.reason) : std::nullopt,
                              std::move(m.reservation)});
      }
      if (auto* deallocated = std::get_if<domain::events::Deallocated>(&event)) {
        pending_reallocations_.push_back(*deallocated);
      }
    }
    const domain::Product& product = tracked->product;
    // The queue as the commit leaves it: lines that left it out, those that joined at its end.
    const domain::BackorderQueue& backorders = product.backorders();
    if (!backorders.left().empty() || !backorders.added().empty()) {
      auto& stored_queue = queues_[product.sku()];
      auto queue =
          stored_queue ? std::make_shared<Queue>(*stored_queue) : std::make_shared<Queue>();
      std::erase_if(*queue, [&](const domain::WaitingLine& waiting) {
        return std::find(backorders.left().begin(), backorders.left().end(), waiting.seq) !=
               backorders.left().end();
      });
      for (const domain::OrderLine& line : backorders.added())
        queue->push_back({next_seq_++, line});
      stored_queue = std::move(queue);
    }
    for (const domain::EndedHold& ended : product.holds().ended()) {
      const domain::Hold& hold = ended.hold;
      sku_by_hold_.erase(hold.id());
      ended_holds_.insert_or_assign(
          hold.id(),
          service_layer::ReservationView{hold.id(), hold.sku(), hold.qty(), hold.batchref(),
                                         hold.expires_at(), hold_status(ended.how)});
    }
    for (const domain::Hold& hold : product.holds().live()) sku_by_hold_[hold.id()] = product.sku();
    // Events belong to the unit of work, and the queue to queues_, not to the stored product.
    domain::Product stored(product.sku(), product.batches(), product.version_number(),
                           domain::ProductState{.policy = product.policy(),
                                                .out_of_stock = product.out_of_stock(),
                                                .backorders = {},
                                                .holds = domain::Holds(product.holds().live()),
                                                .released = product.released_lines()});
    for (const auto& batch : stored.batches()) sku_by_batchref_[batch.reference()] = stored.sku();
    products_.insert_or_assign(stored.sku(), std::move(stored));
    ++commits_;
  }
}

std::vector<domain::events::Deallocated> InMemoryStore::pending_reallocations() const {
  std::lock_guard lock(mutex_);
  return pending_reallocations_;
}

std::vector<service_layer::OrderLineView> InMemoryStore::order_lines(
    std::string_view orderid) const {
  using service_layer::LineStatus;
  std::lock_guard lock(mutex_);
  std::vector<service_layer::OrderLineView> lines;
  for (const auto& [sku, product] : products_) {
    for (const auto& batch : product.batches()) {
      if (const auto* line = batch.line_of(orderid)) {
        lines.push_back(
            {sku, line->line_qty(), LineStatus::allocated, {{batch.reference(), line->qty()}}});
      }
    }
    for (const auto& line : product.released_lines()) {
      if (line.orderid() == orderid) {
        lines.push_back({sku, line.line_qty(), LineStatus::cancelled, {}});
      }
    }
    if (auto queue = queues_.find(sku); queue != queues_.end()) {
      for (const auto& waiting : *queue->second) {
        if (waiting.line.orderid() == orderid) {
          lines.push_back({sku, waiting.line.line_qty(), LineStatus::backordered, {}});
        }
      }
    }
  }
  for (const auto& pending : pending_reallocations_) {
    if (pending.orderid == orderid) {
      lines.push_back(
          {pending.sku, pending.line_qty.value_or(pending.qty), LineStatus::allocated, {}});
    }
  }
  return service_layer::lines_from_parts(std::move(lines));
}

std::vector<service_layer::StoredMovement> InMemoryStore::movements() const {
  std::lock_guard lock(mutex_);
  return movements_;
}

std::vector<domain::Product> InMemoryStore::products() const {
  std::lock_guard lock(mutex_);
  std::vector<domain::Product> all;
  for (const auto& [sku, product] : products_) all.push_back(product);
  return all;
}

service_layer::ProductStock InMemoryStore::stock(const domain::Product& stored,
                                                 domain::Date today) const {
  service_layer::ProductStock stock;
  stock.sku = stored.sku();
  stock.version = stored.version_number();
  stock.backorders = stored.policy().backorders;
  stock.low_stock_threshold = stored.policy().low_stock_threshold;
  for (const domain::Batch& batch : stored.batches()) {
    stock.add({.reference = batch.reference(),
               .sku = stored.sku(),
               .eta = batch.eta(),
               .warehouse = batch.warehouse(),
               .expires = batch.expires(),
               .purchased = batch.purchased_quantity(),
               .allocated = batch.allocated_quantity(),
               .reserved = batch.reserved_quantity(),
               .available = batch.available_quantity()},
              today);
  }
  if (auto queue = queues_.find(stored.sku()); queue != queues_.end()) {
    for (const domain::WaitingLine& waiting : *queue->second)
      stock.backordered += waiting.line.qty();
  }
  return stock;
}

std::optional<service_layer::ProductStock> InMemoryStore::product_stock(std::string_view sku,
                                                                        domain::Date today) const {
  std::lock_guard lock(mutex_);
  auto it = products_.find(sku);
  if (it == products_.end()) return std::nullopt;
  return stock(it->second, today);
}

std::vector<service_layer::ProductStock> InMemoryStore::product_stocks(std::string_view after,
                                                                       std::size_t count,
                                                                       domain::Date today) const {
  std::lock_guard lock(mutex_);
  std::vector<service_layer::ProductStock> page;
  for (auto it = products_.upper_bound(after); it != products_.end() && page.size() < count; ++it) {
    page.push_back(stock(it->second, today));
  }
  return page;
}

bool InMemoryStore::message_applied(std::string_view message_id) const {
  std::lock_guard lock(mutex_);
  return applied_messages_.contains(message_id);
}

std::optional<service_layer::StoredAnswer> InMemoryStore::answer_to(
    const service_layer::KeyedRequest& request) const {
  std::lock_guard lock(mutex_);
  const auto kept = answers_.find(request.key);
  if (kept == answers_.end() || kept->second.at < request.oldest_live()) return std::nullopt;
  return kept->second.stored;
}

int InMemoryStore::forget_answers_before(domain::Instant cutoff, int limit) {
  std::lock_guard lock(mutex_);
  int forgotten = 0;
  for (auto it = answers_.begin(); it != answers_.end() && forgotten < limit;) {
    if (it->second.at < cutoff) {
      it = answers_.erase(it);
      ++forgotten;
    } else {
      ++it;
    }
  }
  return forgotten;
}

std::optional<service_layer::ReservationView> InMemoryStore::reservation(
    std::string_view id) const {
  std::lock_guard lock(mutex_);
  if (auto owner = sku_by_hold_.find(id); owner != sku_by_hold_.end()) {
    const domain::Hold& hold = *products_.at(owner->second).holds().find(id);
    return service_layer::ReservationView{hold.id(),         hold.sku(),
                                          hold.qty(),        hold.batchref(),
                                          hold.expires_at(), service_layer::HoldStatus::held};
  }
  if (auto ended = ended_holds_.find(id); ended != ended_holds_.end()) return ended->second;
  return std::nullopt;
}

std::vector<std::string> InMemoryStore::skus_with_expired(domain::Instant now, int limit) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> skus;
  for (const auto& [sku, product] : products_) {
    if (static_cast<int>(skus.size()) == limit) break;
    const auto& live = product.holds().live();
    if (std::any_of(live.begin(), live.end(),
                    [&](const domain::Hold& hold) { return hold.expired(now); })) {
      skus.push_back(sku);
    }
  }
  return skus;
}

std::optional<std::string> InMemoryStore::sku_of_batch(std::string_view reference) const {
  std::lock_guard lock(mutex_);
  auto owner = sku_by_batchref_.find(reference);
  if (owner == sku_by_batchref_.end()) return std::nullopt;
  return owner->second;
}

std::vector<service_layer::WarehouseView> InMemoryStore::warehouses() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, service_layer::WarehouseView, std::less<>> known;
  for (const auto& [sku, product] : products_) {
    for (const auto& batch : product.batches()) {
      known.try_emplace(batch.warehouse(),
                        service_layer::WarehouseView{batch.warehouse(),
                                                     domain::kDefaultWarehousePriority, false});
    }
  }
  for (const auto& [id, priority] : priorities_.configured()) {
    known.insert_or_assign(id, service_layer::WarehouseView{id, priority, true});
  }
  std::vector<service_layer::WarehouseView> all;
  for (auto& [id, view] : known) all.push_back(std::move(view));
  return all;
}

int InMemoryStore::commits() const {
  std::lock_guard lock(mutex_);
  return commits_;
}

}  // namespace allocation::adapters
