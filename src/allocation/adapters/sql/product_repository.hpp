#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "allocation/adapters/sql/connection.hpp"
#include "allocation/service_layer/ports/product_repository.hpp"

namespace allocation::adapters::sql {

// The products of one unit of work, as stored in tables products, batches and allocations.
// A product is loaded with every batch and its totals, its policy, and of its order lines only
// those the work needs (see domain::Product on partial loading): the order's allocated, waiting
// and released line; of its holds (table reservations), the one the work names, or all those of
// the batch whose quantity changes. Its backorder queue and its expired holds are read on
// demand, on this repository's transaction: a product taken out of its unit of work must not
// read them.
// save() writes what changed since the load.
class SqlProductRepository : public service_layer::ProductRepository {
 public:
  // `read`: how this repository's loads run, on its unit of work's transaction.
  explicit SqlProductRepository(OnConnection read) : read_(std::move(read)) {}

  // Writes one changed product: its version first (the race check: throws
  // service_layer::ConcurrencyError when it moved since the load), then its batches and lines
  // as they differ from what was loaded.
  void save(const service_layer::TrackedProduct& tracked, Connection& connection) const;

  // When the only change to a loaded product is one line allocated to one batch: that batch.
  const domain::Batch* only_new_line(const service_layer::TrackedProduct& tracked) const;
  // When the only change to a loaded product is one new hold taking units of its batch: that
  // hold.
  const domain::Hold* only_new_hold(const service_layer::TrackedProduct& tracked) const;
  // When the only change to a loaded product is one hold it had, consumed by a line allocated
  // to the hold's batch (a checkout's second step): that hold.
  const domain::Hold* only_hold_made_line(const service_layer::TrackedProduct& tracked) const;
  // The version of the warehouses' priorities a loaded product was read with (migration 17),
  // if known.
  std::optional<long long> priorities_version(const std::string& sku) const;
  // Whether a load of a hold named without an order (Reserve's) found that no hold of any
  // product, live or ended, had `hold_id`, or took it so (assume_hold_id_unused): the lookup of
  // the id (UnitOfWork::reservation) answered without another read.
  bool hold_id_unused(std::string_view hold_id) const { return unused_hold_ids_.contains(hold_id); }

 protected:
  // The rows of an order's line of one product, as a load reads them (table allocations): one,
  // or one per part of a line split across batches, each possibly on several rows of the read.
  struct OrderRows {
    // Takes one row (allocations' id, state, qty, batchref, line_qty; all empty when the order
    // has no line of the product), each id once.
    void add(const std::string& orderid, const std::string& sku, const std::optional<long long>& id,
             const std::optional<int>& state, const std::optional<int>& qty,
             const std::optional<std::string>& batchref, const std::optional<int>& line_qty);
    // Puts the allocated rows on their batches, as their loaded lines.
    void put_on(std::vector<domain::Batch>& batches, const std::string& sku);

    std::set<long long> ids;
    std::vector<domain::WaitingLine> waiting;
    std::vector<domain::OrderLine> released;
    std::map<std::string, std::vector<domain::OrderLine>, std::less<>> allocated;  // by batch
  };

  std::optional<domain::Product> load(std::string_view sku, std::string_view orderid,
                                      std::string_view hold_id) override;
  // What one read of a product gives (read_product).
  struct ProductRead {
    std::optional<int> version;  // none: no such product
    domain::ProductState state;  // its own row: policy, out_of_stock
    OrderRows order;
    std::vector<domain::Batch> batches;                  // without lines, in the order added
    std::vector<domain::Hold> holds;                     // the named one, if live
    domain::WarehousePriorities::Configured priorities;  // of its batches' warehouses
    std::optional<long long> priorities_version;         // read with the batches
    // The hold's id, named without an order, when no hold of any product, live or ended, has it.
    std::optional<std::string> unused_hold_id;
  };
  // One round trip: the product's own row, the rows of the order's line, the hold `hold_id`
  // names if any and, `with_batches`, its batches with their warehouses' priorities.
  static ProductRead read_product(Connection& connection, const std::string& sku,
                                  const std::string& orderid, const std::string& hold_id,
                                  bool with_batches);
  // The product `read` gives (the order's lines put on its batches), its queue and its expired
  // holds read on demand; remembered as loaded.
  domain::Product assemble(const std::string& sku, ProductRead read);
  // Keeps what the product's batches were when loaded, for save(), and the version of the
  // priorities it was read with.
  void remember_loaded(const domain::Product& product,
                       std::optional<long long> priorities_version = std::nullopt);
  // How this repository's loads run.
  const OnConnection& reader() const { return read_; }
  // Takes `hold_id` as unused without reading it, for a write that confirms it
  // (ProductInGroupRepository).
  void assume_hold_id_unused(std::string_view hold_id) { unused_hold_ids_.emplace(hold_id); }
  // Runs first when a product is read, on the same connection: what a repository must do before
  // (PostgreSQL's row lock, ProductInGroupRepository). Nothing by default.
  virtual void before_reading(Connection& /*connection*/, const std::string& /*sku*/) {}

 private:
  // What a batch was when loaded: what save() compares with to know what to write.
  struct LoadedBatch {
    int purchased_quantity;
    int allocated_quantity;
    int reserved_quantity;
    std::vector<domain::OrderLine> lines;
  };
  using LoadedBatches = std::map<std::string, LoadedBatch, std::less<>>;
  struct LoadedProduct {
    LoadedBatches batches;
    std::size_t released = 0;  // how many released lines were loaded
    // The product's own row, which an allocation alone leaves as it is.
    domain::ProductPolicy policy;
    bool out_of_stock = false;
    int version = 0;
    std::optional<long long> priorities_version;
    // The live holds as stored, those read on demand included, by id.
    std::map<std::string, domain::Hold, std::less<>> holds;
  };

  std::optional<domain::Product> load_by_batchref(std::string_view reference) override;
  std::optional<domain::Product> load_by_hold(std::string_view id) override;
  // The product with every batch and its totals; of the lines, those of `orderid` and all those
  // of batch `full_batch`; of the holds, `hold_id` and all those of `full_batch`.
  std::optional<domain::Product> load_product(const std::string& sku, const std::string& orderid,
                                              const std::string& full_batch,
                                              const std::string& hold_id);
  const LoadedProduct& loaded(const std::string& sku) const;
  // A page of the stored backorder queue (domain::BackorderQueue::Source).
  std::vector<domain::WaitingLine> waiting_lines(const std::string& sku, std::int64_t after,
                                                 int max_qty);
  // The stored live holds of `sku` expired at `now` (domain::Holds::ExpiredSource), remembered
  // as loaded. Throws service_layer::ConcurrencyError when the product changed since it was
  // loaded: read outside a transaction (PostgreSQL), the two reads could disagree (a hold another
  // process ended counted in the batch's total and missing here), and an operation that then
  // writes nothing (refused, out of stock already) would stand on that disagreement.
  std::vector<domain::Hold> expired_holds(const std::string& sku, domain::Instant now);
  // Writes what changed of the product's holds.
  void save_holds(const domain::Product& product, const LoadedProduct& loaded,
                  Connection& connection) const;

  OnConnection read_;
  std::map<std::string, LoadedProduct, std::less<>> loaded_;
  std::set<std::string, std::less<>> unused_hold_ids_;  // hold_id_unused
};

}  // namespace allocation::adapters::sql
