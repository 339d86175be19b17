#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "allocation/adapters/sql/postgresql/known_holds.hpp"
#include "allocation/adapters/sql/postgresql/known_products.hpp"
#include "allocation/adapters/sql/product_repository.hpp"
#include "allocation/service_layer/errors.hpp"

namespace allocation::adapters::sql {

// The products of a unit of work in a product's group, which may start from the product as its
// group knows it (ProductGroupCommit::Turn::known_product) instead of reading it: what a turn
// before it in the group wrote, or what the product's last group left. Reading would read back
// what this process wrote, one round trip of two per allocation.
//
// For an order, the product is taken assuming the order has no line of it (allocated, waiting
// or released) and, when it comes from an earlier group, that nothing changed it since, nor the
// warehouses' priorities. Only an allocation's write can confirm that: write_assumed_line, which
// checks the product's version, the priorities' version and the order's line, and throws
// AssumptionUnconfirmed, having written nothing, when one of them is not as assumed. The unit of
// work then runs again with a repository that reads (PostgresqlUnitsOfWork::perform), as it does
// when the work fails on a product it assumed (any other outcome is unconfirmed). A hold named
// without an order (a Reserve) is assumed new the same way: no hold, live or ended, of any
// product, has its id (assumed_new_hold), which write_hold confirms with the versions. An order
// that names a hold this process made (KnownHolds) takes the product with that hold alone,
// assuming that the hold is stored as remembered and that the order has no line
// (assumed_held_line), which write_assumed_held_line confirms with the version. Other work of
// no order starts only from a product its group's transaction holds.
//
// Without it, PostgreSQL's allocations are markedly slower (measured in docs/performance.md):
// it is kept, and fenced here.
class ProductInGroupRepository final : public SqlProductRepository {
 public:
  // `known`: what the group knows, or nullptr to read every product. `locks_rows`: whether a
  // product's row is locked (FOR UPDATE) before it is read, `read` running in the transaction:
  // from then on no other process can commit a change to it, and this unit of work cannot lose
  // the race (PostgresqlUnitsOfWork::perform, after a lost one).
  // `holds`: the holds this process made, which an order naming one may start from (with
  // `known` only).
  ProductInGroupRepository(OnConnection read, std::optional<KnownProduct>* known,
                           KnownHolds* holds = nullptr, bool locks_rows = false)
      : SqlProductRepository(std::move(read)),
        known_(known),
        holds_(holds),
        locks_rows_(locks_rows) {}

  // Whether a product was taken from what the group knows, for an order or a new hold.
  bool assumed() const { return assumed_line_ || assumed_new_hold_ || assumed_held_line_; }
  // The id of the hold assumed new, if one is: no hold of any product, live or ended, has it.
  const std::optional<std::string>& assumed_new_hold() const { return assumed_new_hold_; }
  // Whether an order's line and the hold it names were assumed: the order has no line of the
  // product, and the hold is stored as this process remembers it (KnownHolds).
  bool assumed_held_line() const { return assumed_held_line_; }

 private:
  std::optional<domain::Product> load(std::string_view sku, std::string_view orderid,
                                      std::string_view hold_id) override;

  void before_reading(Connection& connection, const std::string& sku) override;

  std::optional<KnownProduct>* known_;
  KnownHolds* holds_;
  const bool locks_rows_;
  bool assumed_line_ = false;  // that the order has no line of the product
  std::optional<std::string> assumed_new_hold_;
  bool assumed_held_line_ = false;
};

// Thrown, having written nothing, when a unit of work that assumed an order had no line of a
// product (ProductInGroupRepository) cannot confirm it: the work runs again from the product as
// stored. A ConcurrencyError, so that the bus would run it again were it to escape.
class AssumptionUnconfirmed final : public service_layer::ConcurrencyError {
 public:
  AssumptionUnconfirmed() : ConcurrencyError("the order may have a line of this product") {}
};

}  // namespace allocation::adapters::sql
