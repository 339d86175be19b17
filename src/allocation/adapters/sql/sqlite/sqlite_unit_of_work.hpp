#pragma once

#include <memory>

#include "allocation/adapters/sql/database.hpp"
#include "allocation/adapters/sql/sql_unit_of_work.hpp"
#include "allocation/adapters/sql/sqlite/group_commit.hpp"
#include "allocation/adapters/sql/sqlite/movement_index.hpp"
#include "allocation/adapters/sql/sqlite/sqlite_product_repository.hpp"
#include "allocation/adapters/sql/sqlite/stored_products.hpp"

namespace allocation::adapters::sql {

// A SQLite unit of work: a turn in the group commit, on its writer thread. It reads and writes
// in the turn's savepoint of the group's transaction, which sees the staged writes of the turns
// before it: the units of work of this process never lose a race to each other. Its commit
// returns once the turn is staged; UnitsOfWork::perform, once the group is durable.
class SqliteUnitOfWork final : public SqlUnitOfWork {
 public:
  // `stored`: what the writer knows of products (the units of work's, on the writer thread).
  SqliteUnitOfWork(GroupCommit::Turn& turn, const service_layer::Clock& clock,
                   StoredProducts& stored);

  service_layer::ProductRepository& products() override { return products_; }

 private:
  void write_changes() override;
  const SqlProductRepository& sql_products() const override { return products_; }

  GroupCommit::Turn& turn_;
  StoredProducts& stored_;
  SqliteProductRepository products_;
};

// The units of work of one SQLite database, each run in a turn of its group commit.
class SqliteUnitsOfWork final : public service_layer::UnitsOfWork {
 public:
  // `clock`: the time of the ledger's movements. `index_backlog`: how many movements are left
  // unindexed before the groups enter them into the ledger's index, `index_slice` entries a
  // group (movement_index::Indexer).
  SqliteUnitsOfWork(std::shared_ptr<Database> database,
                    std::shared_ptr<const service_layer::Clock> clock,
                    long long index_backlog = movement_index::kBacklog,
                    long long index_slice = movement_index::kSlice)
      : clock_(std::move(clock)),
        indexer_(index_backlog, index_slice),
        group_commit_(
            std::move(database), GroupCommit::kGatherWait,
            [this](Connection& connection) { indexer_.catch_up(connection); },
            [this](Connection& connection) { stored_.check_other_writers(connection); },
            [this] { stored_.forget_all(); }) {}

  using service_layer::UnitsOfWork::perform;
  // `product` is not needed: every unit of work takes its turn on the one writer thread.
  std::vector<domain::Event> perform(std::optional<std::string_view> product,
                                     const Work& work) override;

  // How many wait for the writer thread (GroupCommit::queued).
  std::size_t queued() { return group_commit_.queued(); }

 private:
  std::shared_ptr<const service_layer::Clock> clock_;
  // Before group_commit_, whose writer thread uses them to the end.
  StoredProducts stored_;
  movement_index::Indexer indexer_;
  GroupCommit group_commit_;
};

}  // namespace allocation::adapters::sql
