#include "allocation/adapters/sql/postgresql/postgresql_unit_of_work.hpp"

#include "allocation/adapters/sql/postgresql/allocation_statement.hpp"
#include "allocation/adapters/sql/postgresql/hold_statement.hpp"

namespace allocation::adapters::sql {

namespace {

// The product with every batch and its totals, its policy and whether it ran out, and none of
// its order lines (allocated, waiting or released) or holds.
domain::Product without_lines(const domain::Product& product) {
  std::vector<domain::Batch> batches;
  for (const domain::Batch& batch : product.batches()) {
    batches.push_back(domain::Batch::restore(
        batch.reference(), product.sku(), batch.purchased_quantity(), batch.eta(),
        batch.allocated_quantity(), {}, batch.reserved_quantity(), batch.storage()));
  }
  return domain::Product(product.sku(), std::move(batches), product.version_number(),
                         domain::ProductState{.policy = product.policy(),
                                              .out_of_stock = product.out_of_stock(),
                                              .backorders = {},
                                              .holds = {},
                                              .released = {},
                                              .priorities = product.warehouse_priorities()});
}

}  // namespace

void PostgresqlUnitOfWork::leave_known(const domain::Product& product) {
  // The write holds the product's row in the group's transaction.
  const auto priorities_version = products_.priorities_version(product.sku());
  if (priorities_version) {
    turn_.known_product() = KnownProduct{
        .product = without_lines(product), .priorities_version = *priorities_version, .held = true};
  }
}

PostgresqlUnitOfWork::PostgresqlUnitOfWork(ProductGroupCommit::Turn& turn, Reads reads,
                                           const service_layer::Clock& clock, KnownHolds& holds)
    : SqlUnitOfWork(
          [&turn, reads](const auto& work) {
            if (reads == Reads::locking) return turn.read_in_transaction(work);
            turn.read(work);
          },
          clock),
      turn_(turn),
      holds_(holds),
      products_(on_connection(), reads == Reads::assuming ? &turn.known_product() : nullptr,
                reads == Reads::assuming ? &holds : nullptr,
                /*locks_rows=*/reads == Reads::locking) {}

// An allocation's write path on PostgreSQL: one statement on its own when it is the only
// change (write_allocation_alone), and so for a checkout's steps (write_hold_alone,
// write_held_line_alone); else every change in the group's transaction. The turn is then
// committed with its group.
void PostgresqlUnitOfWork::write_changes() {
  if (write_allocation_alone() || write_hold_alone() || write_held_line_alone()) {
    return turn_.commit();
  }
  if (products_.assumed()) throw AssumptionUnconfirmed();
  turn_.write([&](Connection& connection) { write_all_changes(products_, connection); });
  turn_.commit();
}

const service_layer::TrackedProduct* PostgresqlUnitOfWork::changed_alone() const {
  if (!settled_reallocations().empty() || !applied_messages().empty() ||
      !recorded_answers().empty()) {
    return nullptr;
  }
  const service_layer::TrackedProduct* changed = nullptr;
  for (const auto& [sku, tracked] : products_.seen()) {
    if (!tracked.changed()) continue;
    if (changed) return nullptr;
    changed = &tracked;
  }
  return changed;
}

bool PostgresqlUnitOfWork::write_allocation_alone() {
  const service_layer::TrackedProduct* changed = changed_alone();
  if (!changed) return false;
  const domain::Batch* batch = products_.only_new_line(*changed);
  const auto& events = changed->product.events();
  if (!batch || events.size() != 1 ||
      !std::holds_alternative<domain::events::Allocated>(events.front())) {
    return false;
  }
  // The statement writes the message: an allocation that is not published goes the long way.
  auto message = outgoing_message(events.front());
  if (!message) return false;
  // Its one movement, from the ledger's table like every other (stock_movements.hpp).
  auto movements = service_layer::stock_movements(events.front());
  if (movements.size() != 1) return false;
  const NewLine change{changed->product,
                       *changed->loaded_version,
                       *batch,
                       batch->loaded_lines().back(),
                       std::move(*message),
                       std::move(movements.front()),
                       now(),
                       products_.priorities_version(changed->product.sku())};
  turn_.write_alone([&](Connection& connection) {
    if (products_.assumed()) {
      write_assumed_line(change, connection);
    } else {
      write_line(change, connection);
    }
  });
  // What the group's next turn may start from.
  leave_known(changed->product);
  return true;
}

bool PostgresqlUnitOfWork::write_hold_alone() {
  const service_layer::TrackedProduct* changed = changed_alone();
  if (!changed) return false;
  const domain::Hold* hold = products_.only_new_hold(*changed);
  const auto& events = changed->product.events();
  if (!hold || events.size() != 1 ||
      !std::holds_alternative<domain::events::Reserved>(events.front()) ||
      outgoing_message(events.front())) {
    return false;
  }
  auto movements = service_layer::stock_movements(events.front());
  if (movements.size() != 1) return false;
  // A hold assumed new is written so, or not at all; any other assumption only by its own
  // statement.
  const bool assumed = products_.assumed_new_hold() == hold->id();
  if (products_.assumed() && !assumed) return false;
  const NewHold change{
      changed->product,
      *changed->loaded_version,
      *changed->product.batch(hold->batchref()),
      *hold,
      std::move(movements.front()),
      now(),
      assumed ? products_.priorities_version(changed->product.sku()) : std::nullopt};
  turn_.write_alone([&](Connection& connection) {
    if (assumed) {
      write_assumed_hold(change, connection);
    } else {
      write_hold(change, connection);
    }
  });
  leave_known(changed->product);
  holds_.remember(*hold);
  return true;
}

bool PostgresqlUnitOfWork::write_held_line_alone() {
  // A line and its hold assumed are written so, or not at all; any other assumption only by its
  // own statement.
  const bool assumed = products_.assumed_held_line();
  if (products_.assumed() && !assumed) return false;
  const service_layer::TrackedProduct* changed = changed_alone();
  if (!changed) return false;
  const domain::Hold* hold = products_.only_hold_made_line(*changed);
  const auto& events = changed->product.events();
  if (!hold || events.size() != 2 ||
      !std::holds_alternative<domain::events::ReservationConsumed>(events[0]) ||
      !std::holds_alternative<domain::events::Allocated>(events[1]) ||
      outgoing_message(events[0])) {
    return false;
  }
  auto message = outgoing_message(events[1]);
  if (!message) return false;
  std::vector<service_layer::Movement> movements;
  for (const domain::Event& event : events) {
    for (auto& movement : service_layer::stock_movements(event)) movements.push_back(movement);
  }
  if (movements.size() != 2) return false;
  const domain::Batch& batch = *changed->product.batch(hold->batchref());
  const HeldLine change{
      changed->product,    *changed->loaded_version, batch, *hold, batch.loaded_lines().back(),
      std::move(*message), std::move(movements),     now()};
  turn_.write_alone([&](Connection& connection) {
    if (assumed) {
      write_assumed_held_line(change, connection);
    } else {
      write_held_line(change, connection);
    }
  });
  leave_known(changed->product);
  holds_.forget(hold->id());
  return true;
}

std::vector<domain::Event> PostgresqlUnitsOfWork::perform(std::optional<std::string_view> product,
                                                          const Work& work) {
  std::vector<domain::Event> events;
  try {
    attempt(product, work, /*locking=*/false, events);
  } catch (const service_layer::ConcurrencyError&) {
    attempt(product, work, /*locking=*/true, events);  // nothing was written: again, locking
  }
  return events;
}

void PostgresqlUnitsOfWork::attempt(std::optional<std::string_view> product, const Work& work,
                                    bool locking, std::vector<domain::Event>& events) {
  using Reads = PostgresqlUnitOfWork::Reads;
  groups_.perform(product, [&](ProductGroupCommit::Turn& turn) {
    const auto run = [&](Reads reads) {
      PostgresqlUnitOfWork uow(turn, reads, *clock_, holds_);
      try {
        work(uow);
      } catch (const AssumptionUnconfirmed&) {
        throw;
      } catch (...) {
        // A rule the work broke (an unknown line, a conflict) may be the assumption's doing:
        // only the product as stored can tell, and nothing was written. Not so a statement that
        // failed: the group rolls back, and the bus runs the work again.
        if (uow.assumed() && !turn.spoilt()) throw AssumptionUnconfirmed();
        throw;
      }
      events = uow.collect_new_events();
    };
    if (locking) return run(Reads::locking);
    try {
      run(Reads::assuming);
    } catch (const AssumptionUnconfirmed&) {
      if (turn.spoilt()) throw;
      run(Reads::reading);  // nothing was written: again, reading the product
    }
  });
}

}  // namespace allocation::adapters::sql
