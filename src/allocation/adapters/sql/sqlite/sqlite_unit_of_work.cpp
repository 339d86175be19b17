#include "allocation/adapters/sql/sqlite/sqlite_unit_of_work.hpp"

namespace allocation::adapters::sql {

SqliteUnitOfWork::SqliteUnitOfWork(GroupCommit::Turn& turn, const service_layer::Clock& clock,
                                   StoredProducts& stored)
    : SqlUnitOfWork([&turn](const auto& work) { turn.run(work); }, clock),
      turn_(turn),
      stored_(stored),
      products_(on_connection(), stored) {}

// An allocation's write path on SQLite: the product's version moved from the one read (the
// check against other processes), its batches and lines, the pending reallocations and the
// outgoing messages and the ledger's movements, in the turn's savepoint; then the turn is staged
// for the group's COMMIT.
void SqliteUnitOfWork::write_changes() {
  turn_.run([&](Connection& connection) { write_all_changes(products_, connection); });
  turn_.commit();
  products_.remember_saved();
  // A priority is part of every product's allocation order that has a batch in the warehouse.
  if (!warehouse_priorities_set().empty()) stored_.forget_all();
}

std::vector<domain::Event> SqliteUnitsOfWork::perform(std::optional<std::string_view> /*product*/,
                                                      const Work& work) {
  std::vector<domain::Event> events;
  group_commit_.perform([&](GroupCommit::Turn& turn) {
    SqliteUnitOfWork uow(turn, *clock_, stored_);
    work(uow);
    events = uow.collect_new_events();  // handed over only once the group is durable
  });
  return events;
}

}  // namespace allocation::adapters::sql
