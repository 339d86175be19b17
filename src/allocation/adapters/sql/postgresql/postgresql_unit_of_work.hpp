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
  // How it reads its products.
  enum class Reads {
    assuming,  // may take a product the group knows without reading it; else outside the
               // transaction
    reading,   // outside the transaction
    locking,   // in the transaction, each product's row locked first (FOR UPDATE)
  };
  // `clock`: the time of the ledger's movements. `holds`: the holds this process made, which it
  // adds its own to and which an order naming one may start from (when assuming).
  PostgresqlUnitOfWork(ProductGroupCommit::Turn& turn, Reads reads,
                       const service_layer::Clock& clock, KnownHolds& holds);

  service_layer::ProductRepository& products() override { return products_; }
  // Whether it took a product the group knows for an order or a new hold
  // (ProductInGroupRepository).
  bool assumed() const { return products_.assumed(); }

 private:
  void write_changes() override;
  const SqlProductRepository& sql_products() const override { return products_; }
  // Leaves `product` as just written for the group's next turn (Turn::known_product).
  void leave_known(const domain::Product& product);
  // The change when it is one line allocated to one batch, written in one statement on its
  // own (allocation_statement.hpp); false, having written nothing, for any other change.
  bool write_allocation_alone();
  // The same for a change that is one new hold in one batch (hold_statement.hpp).
  bool write_hold_alone();
  // The same for a change that is one hold consumed by a line in its batch.
  bool write_held_line_alone();
  // The one product this unit of work changed, if it changed one alone and settled no
  // reallocation: what a one-statement write may be for.
  const service_layer::TrackedProduct* changed_alone() const;

  ProductGroupCommit::Turn& turn_;
  KnownHolds& holds_;
  ProductInGroupRepository products_;
};

// The units of work of one PostgreSQL database, each run in a turn of its product's group.
//
// A unit of work that loses a race to another process (a product's version moved between its
// read and its write) runs once more at once, locking each product's row before reading it: it
// cannot lose again. Optimistic attempts alone could lose over and over to another process's
// steady changes of the product (holds coming and going), the longest reads (a batch's change
// reads all its lines and holds) most often.
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
  // One attempt of `work` in a turn of its product's group; `locking`: with its products' rows
  // locked before they are read. Sets `events` when it commits.
  void attempt(std::optional<std::string_view> product, const Work& work, bool locking,
               std::vector<domain::Event>& events);

  std::shared_ptr<Database> database_;
  std::shared_ptr<const service_layer::Clock> clock_;
  ProductGroupCommit groups_;
  KnownHolds holds_;
};

}  // namespace allocation::adapters::sql
