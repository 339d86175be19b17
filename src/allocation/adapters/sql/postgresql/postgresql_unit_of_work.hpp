#pragma once

#include <memory>
#include <optional>

#include "allocation/adapters/sql/database.hpp"
#include "allocation/adapters/sql/postgresql/product_group_commit.hpp"
#include "allocation/adapters/sql/postgresql/product_in_group_repository.hpp"
#include "allocation/adapters/sql/sql_unit_of_work.hpp"

namespace allocation::adapters::sql {

// A PostgreSQL unit of work: a turn in its product's group (ProductGroupCommit), or a group of
// its own when the product is not known before. Reads run outside a transaction, as at READ
// COMMITTED; writes first move the product's version from the one read (UPDATE ... WHERE
// version_number = read), which fails, rolling all back, when another transaction committed a
// change to that product meanwhile: no lost update.
class PostgresqlUnitOfWork final : public SqlUnitOfWork {
 public:
  // `may_assume`: whether a product the group knows may be taken without reading it.
  // `clock`: the time of the ledger's movements.
  PostgresqlUnitOfWork(ProductGroupCommit::Turn& turn, bool may_assume,
                       const service_layer::Clock& clock);

  service_layer::ProductRepository& products() override { return products_; }
  // Whether it took a product the group knows for an order (ProductInGroupRepository).
  bool assumed() const { return products_.assumed(); }

 private:
  void write_changes() override;
  // The change when it is one line allocated to one batch, written in one statement on its
  // own (allocation_statement.hpp); false, having written nothing, for any other change.
  bool write_allocation_alone();

  ProductGroupCommit::Turn& turn_;
  ProductInGroupRepository products_;
};

// The units of work of one PostgreSQL database, each run in a turn of its product's group.
class PostgresqlUnitsOfWork final : public service_layer::UnitsOfWork {
 public:
  PostgresqlUnitsOfWork(std::shared_ptr<Database> database,
                        std::shared_ptr<const service_layer::Clock> clock)
      : database_(std::move(database)), clock_(std::move(clock)), groups_(*database_) {}

  using service_layer::UnitsOfWork::perform;
  std::vector<domain::Event> perform(std::optional<std::string_view> product,
                                     const Work& work) override;

  // How many wait for the next group of `product` (ProductGroupCommit::queued).
  std::size_t queued(std::string_view product) { return groups_.queued(product); }

 private:
  std::shared_ptr<Database> database_;
  std::shared_ptr<const service_layer::Clock> clock_;
  ProductGroupCommit groups_;
};

}  // namespace allocation::adapters::sql
