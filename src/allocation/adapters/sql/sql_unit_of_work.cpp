#include "allocation/adapters/sql/sql_unit_of_work.hpp"

#include <soci/session.h>

#include <algorithm>
#include <map>
#include <optional>
#include <stdexcept>

#include "allocation/adapters/outgoing_message.hpp"
#include "allocation/adapters/sql/connection.hpp"
#include "allocation/adapters/sql/postgresql/pg_transaction.hpp"
#include "allocation/adapters/sql/postgresql/product_group_commit.hpp"
#include "allocation/adapters/sql/sqlite/group_commit.hpp"
#include "allocation/domain/date.hpp"
#include "allocation/service_layer/errors.hpp"

namespace allocation::adapters::sql {

namespace {

using domain::Batch;
using domain::OrderLine;
using domain::Product;

// What a unit of work runs on. SQLite: a turn in the group commit. PostgreSQL: a turn in its
// product's group commit when the product is known before (perform), else a transaction of its
// own.
class Transaction {
 public:
  using Work = std::function<void(Connection&)>;

  Transaction(Database& database, GroupCommit* group_commit, ProductGroupCommit* product_groups)
      : group_commit_(group_commit), product_groups_(product_groups) {
    if (!group_commit_) own_.emplace(database, /*lone_writes=*/true);
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // Runs `work` on this unit of work's connection, with the database's errors translated.
  void read(const Work& work) { run(&ProductGroupCommit::Turn::read, &PgTransaction::read, work); }
  void write(const Work& work) {
    run(&ProductGroupCommit::Turn::write, &PgTransaction::write, work);
  }
  // A write of one statement, atomic by itself (see PgTransaction::write_alone).
  void write_alone(const Work& work) {
    run(&ProductGroupCommit::Turn::write_alone, &PgTransaction::write_alone, work);
  }

  // SQLite: runs `work` on the group commit's writer thread, in a turn of its own. PostgreSQL:
  // in a turn of the product's group, if known.
  void perform(std::optional<std::string_view> product, const std::function<void()>& work) {
    if (group_commit_) {
      group_commit_->perform([&](GroupCommit::Turn& turn) {
        const During during(writer_turn_, turn);
        work();
      });
    } else if (product) {
      product_groups_->perform(*product, [&](ProductGroupCommit::Turn& turn) {
        const During during(product_turn_, turn);
        work();
      });
    } else {
      work();
    }
  }

  // PostgreSQL, in a turn of a product's group: what the group knows the product to be (see
  // ProductGroupCommit::Turn::known_product). Else nullptr.
  std::optional<Product>* known_product() {
    return product_turn_ ? &product_turn_->known_product() : nullptr;
  }

  void commit() {
    if (writer_turn_) writer_turn_->commit();
    if (turn_) turn_->commit();
    if (product_turn_) product_turn_->commit();
    if (own_) own_->commit();
  }

 private:
  // Points `current` at a turn while it lasts.
  template <class T>
  struct During {
    During(T*& current, T& turn) : current_(current) { current_ = &turn; }
    ~During() { current_ = nullptr; }
    T*& current_;
  };

  // On PostgreSQL, `work` goes to the product's turn or to the transaction of its own with the
  // method given for each; SQLite's turns run reads and writes alike.
  void run(void (ProductGroupCommit::Turn::*on_turn)(const Work&),
           void (PgTransaction::*on_own)(const Work&), const Work& work) {
    if (product_turn_) return (product_turn_->*on_turn)(work);
    if (own_) return ((*own_).*on_own)(work);
    sqlite_turn().run(work);
  }

  GroupCommit::Turn& sqlite_turn() {
    if (writer_turn_) return *writer_turn_;
    if (!turn_) turn_ = group_commit_->begin();
    return *turn_;
  }

  GroupCommit* group_commit_;
  ProductGroupCommit* product_groups_;
  std::unique_ptr<GroupCommit::Turn> turn_;   // SQLite: taken in this thread (outside perform)
  GroupCommit::Turn* writer_turn_ = nullptr;  // SQLite, during perform: the writer thread's turn
  ProductGroupCommit::Turn* product_turn_ = nullptr;  // PostgreSQL, during perform(product)
  std::optional<PgTransaction> own_;                  // PostgreSQL, outside a product's turn
};

// What a batch was when loaded: what the commit compares with to know what to write.
struct LoadedBatch {
  int purchased_quantity;
  int allocated_quantity;
  std::vector<OrderLine> lines;
};
using LoadedBatches = std::map<std::string, LoadedBatch, std::less<>>;

// Thrown, having written nothing, when a unit of work that assumed an order had no line of a
// product (SqlProductRepository::assumed) cannot confirm it: the work runs again from the
// product as stored. A ConcurrencyError, so that the bus would run it again were it to escape.
class AssumptionUnconfirmed final : public service_layer::ConcurrencyError {
 public:
  AssumptionUnconfirmed() : ConcurrencyError("the order may have a line of this product") {}
};

class SqlProductRepository final : public service_layer::ProductRepository {
 public:
  // `may_assume`: whether a product the group's transaction knows may be taken as it is, without
  // reading it (see load()).
  SqlProductRepository(Transaction& transaction, bool may_assume)
      : transaction_(transaction), may_assume_(may_assume) {}

  // Whether a product was taken from what the group's transaction knows, assuming that the
  // order it was loaded for has no line of it. Only an allocation's write confirms that (its
  // line is new, and unique per order and product); any other outcome must run again.
  bool assumed() const { return assumed_; }

  // Writes one changed product: its version first (the race check), then its batches and
  // lines as they differ from what was loaded.
  void save(const service_layer::TrackedProduct& tracked, Connection& connection);

  // When the only change to a loaded product is one line allocated to one batch: that batch.
  const Batch* only_new_line(const service_layer::TrackedProduct& tracked) const;

 private:
  std::optional<Product> load(std::string_view sku, std::string_view orderid) override {
    // In a group, every turn after the first that allocated would read back what the group
    // knows already: one round trip of two per allocation. Only the order's line is unknown.
    const std::optional<Product>* known = may_assume_ ? transaction_.known_product() : nullptr;
    if (known && *known && (*known)->sku() == sku) {
      assumed_ = !orderid.empty();
      remember_loaded(**known);
      return **known;
    }
    return load_product(std::string(sku), std::string(orderid), "");
  }
  std::optional<Product> load_by_batchref(std::string_view reference) override;

  // The product with every batch and its total; of the lines, those of `orderid` and all those
  // of batch `full_batch`.
  std::optional<Product> load_product(const std::string& sku, const std::string& orderid,
                                      const std::string& full_batch);
  // Keeps what the product's batches were when loaded, for save().
  void remember_loaded(const Product& product);

  Transaction& transaction_;
  const bool may_assume_;
  bool assumed_ = false;
  std::map<std::string, LoadedBatches, std::less<>> loaded_;
};

std::optional<Product> SqlProductRepository::load_by_batchref(std::string_view reference) {
  const std::string ref(reference);
  std::vector<Row<std::string>> owner;
  transaction_.read([&](Connection& connection) {
    owner = connection.query<std::string>("SELECT sku FROM batches WHERE reference = :ref", ref);
  });
  if (owner.empty()) return std::nullopt;
  return load_product(*std::get<0>(owner.front()), "", ref);
}

std::optional<Product> SqlProductRepository::load_product(const std::string& sku,
                                                          const std::string& orderid,
                                                          const std::string& full_batch) {
  std::optional<int> version;
  std::vector<Batch> batches;
  transaction_.read([&](Connection& connection) {
    // One round trip: the product, its batches in the order they were added, and the line of
    // this order if it has one.
    const auto rows = connection.query<int, std::string, int, std::string, int, int>(
        "SELECT p.version_number, b.reference, b.purchased_quantity, b.eta,"
        " b.allocated_quantity, a.qty"
        " FROM products p"
        " LEFT JOIN batches b ON b.sku = p.sku"
        " LEFT JOIN allocations a"
        "  ON a.orderid = :orderid AND a.sku = p.sku AND a.batchref = b.reference"
        " WHERE p.sku = :sku ORDER BY b.id",
        orderid, sku);
    for (const auto& [version_number, reference, purchased, eta, allocated, line_qty] : rows) {
      version = *version_number;
      if (!reference) continue;  // a product with no batch yet
      std::vector<OrderLine> lines;
      if (line_qty) lines.emplace_back(orderid, sku, *line_qty);
      std::optional<domain::Date> eta_date;
      if (eta) eta_date = domain::parse_date(*eta);
      batches.push_back(
          Batch::restore(*reference, sku, *purchased, eta_date, *allocated, std::move(lines)));
    }
    if (!version || full_batch.empty()) return;
    // Every line of the batch whose quantity changes, oldest first.
    std::vector<OrderLine> all;
    for (const auto& [line_orderid, qty] : connection.query<std::string, int>(
             "SELECT orderid, qty FROM allocations WHERE batchref = :ref ORDER BY id",
             full_batch)) {
      all.emplace_back(*line_orderid, sku, *qty);
    }
    for (Batch& batch : batches) {
      if (batch.reference() == full_batch) {
        batch = Batch::restore(batch.reference(), sku, batch.purchased_quantity(), batch.eta(),
                               batch.allocated_quantity(), std::move(all));
      }
    }
  });
  if (!version) return std::nullopt;
  Product product(sku, std::move(batches), *version);
  remember_loaded(product);
  return product;
}

void SqlProductRepository::remember_loaded(const Product& product) {
  LoadedBatches& loaded = loaded_[product.sku()];
  loaded.clear();
  for (const Batch& batch : product.batches()) {
    loaded[batch.reference()] = {batch.purchased_quantity(), batch.allocated_quantity(),
                                 batch.loaded_lines()};
  }
}

// The product with every batch and its total, and none of its order lines.
Product without_lines(const Product& product) {
  std::vector<Batch> batches;
  for (const Batch& batch : product.batches()) {
    batches.push_back(Batch::restore(batch.reference(), product.sku(), batch.purchased_quantity(),
                                     batch.eta(), batch.allocated_quantity(), {}));
  }
  return Product(product.sku(), std::move(batches), product.version_number());
}

bool contains(const std::vector<OrderLine>& lines, const OrderLine& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

void SqlProductRepository::save(const service_layer::TrackedProduct& tracked,
                                Connection& connection) {
  const Product& product = tracked.product;
  const std::string& sku = product.sku();
  const int version = product.version_number();
  if (tracked.is_new()) {
    // A concurrent creator makes this a unique violation: a lost race.
    connection.execute("INSERT INTO products (sku, version_number) VALUES (:sku, :v)", sku,
                       version);
  } else {
    const long long written = connection.execute(
        "UPDATE products SET version_number = :v WHERE sku = :sku AND version_number = :old",
        version, sku, *tracked.loaded_version);
    if (written == 0) {
      throw service_layer::ConcurrencyError("product " + sku + " changed since it was read");
    }
  }
  static const LoadedBatches kNone;
  auto known = loaded_.find(sku);
  const LoadedBatches& before = known == loaded_.end() ? kNone : known->second;
  const auto lines_before = [&](const std::string& reference) -> const std::vector<OrderLine>& {
    static const std::vector<OrderLine> kEmpty;
    auto it = before.find(reference);
    return it == before.end() ? kEmpty : it->second.lines;
  };

  // Lines taken off first, so that a line may move within one commit.
  for (const Batch& batch : product.batches()) {
    for (const OrderLine& line : lines_before(batch.reference())) {
      if (contains(batch.loaded_lines(), line)) continue;
      connection.execute("DELETE FROM allocations WHERE orderid = :o AND sku = :s", line.orderid(),
                         sku);
    }
  }
  for (const Batch& batch : product.batches()) {
    const std::string& reference = batch.reference();
    const int purchased = batch.purchased_quantity(), allocated = batch.allocated_quantity();
    auto was = before.find(reference);
    if (was == before.end()) {
      const std::optional<std::string> eta =
          batch.eta() ? std::optional(domain::format_date(*batch.eta())) : std::nullopt;
      connection.execute(
          "INSERT INTO batches (reference, sku, purchased_quantity, eta, allocated_quantity)"
          " VALUES (:r, :s, :p, :e, :a)",
          reference, sku, purchased, eta, allocated);
    } else if (was->second.purchased_quantity != purchased ||
               was->second.allocated_quantity != allocated) {
      connection.execute(
          "UPDATE batches SET purchased_quantity = :p, allocated_quantity = :a"
          " WHERE reference = :r",
          purchased, allocated, reference);
    }
    for (const OrderLine& line : batch.loaded_lines()) {
      if (contains(lines_before(reference), line)) continue;
      connection.execute(
          "INSERT INTO allocations (orderid, sku, qty, batchref) VALUES (:o, :s, :q, :b)",
          line.orderid(), sku, line.qty(), reference);
    }
  }
}

const Batch* SqlProductRepository::only_new_line(
    const service_layer::TrackedProduct& tracked) const {
  if (tracked.is_new()) return nullptr;
  auto known = loaded_.find(tracked.product.sku());
  if (known == loaded_.end()) return nullptr;
  const LoadedBatches& before = known->second;
  const Batch* changed = nullptr;
  for (const Batch& batch : tracked.product.batches()) {
    auto was = before.find(batch.reference());
    if (was == before.end() || was->second.purchased_quantity != batch.purchased_quantity())
      return nullptr;
    const std::vector<OrderLine>& lines = batch.loaded_lines();
    if (lines == was->second.lines) continue;
    // Changed: must be the lines it had, in order, and one more.
    if (changed || lines.size() != was->second.lines.size() + 1 ||
        !std::equal(was->second.lines.begin(), was->second.lines.end(), lines.begin())) {
      return nullptr;
    }
    changed = &batch;
  }
  return changed;
}

// The transactional outbox: what leaves the service is stored with the change that raised it,
// so that it is published (OutboxRelay) if and only if the change is committed.
void store_outgoing_messages(const Product& product, Connection& connection) {
  for (const domain::Event& event : product.events()) {
    const auto message = outgoing_message(event);
    if (!message) continue;
    connection.execute("INSERT INTO outbox (message_id, channel, payload) VALUES (:m, :c, :p)",
                       message->message_id, std::string(message->channel), message->payload);
  }
}

// A line taken off a batch is kept, in the transaction that took it off, until it is
// allocated again. (The read model, view allocations_view, follows the write model by itself.)
void store_pending_reallocations(const Product& product, Connection& connection) {
  for (const domain::Event& event : product.events()) {
    if (const auto* deallocated = std::get_if<domain::events::Deallocated>(&event)) {
      connection.execute(
          "INSERT INTO pending_reallocations (orderid, sku, qty) VALUES (:o, :s, :q)",
          deallocated->orderid, deallocated->sku, deallocated->qty);
    }
  }
}

// A product changed by one line allocated to one batch, and the message that tells of it (its
// Allocated event's).
struct NewLine {
  const Product& product;
  int loaded_version;
  const Batch& batch;
  const OrderLine& line;
  OutgoingMessage message;
};

// PostgreSQL: writes `change` in one statement, which the version check guards. Throws
// ConcurrencyError, having written nothing, when the product changed since it was read. (The
// check is made here, inside the write, so that a turn of a group that lost is known to have
// written nothing: see ProductGroupCommit::Turn.)
void write_line(const NewLine& change, Connection& connection) {
  const auto written = connection.query<long long>(
      "WITH version AS ("
      "  UPDATE products SET version_number = :v"
      "  WHERE sku = :sku AND version_number = :old RETURNING sku),"
      " batch AS ("
      "  UPDATE batches SET allocated_quantity = :a"
      "  WHERE reference = :ref AND EXISTS (SELECT 1 FROM version)),"
      " line AS ("
      "  INSERT INTO allocations (orderid, sku, qty, batchref)"
      "  SELECT :o, sku, :q, :b FROM version),"
      " message AS ("
      "  INSERT INTO outbox (message_id, channel, payload) SELECT :m, :c, :p FROM version)"
      " SELECT COUNT(*) FROM version",
      change.product.version_number(), change.product.sku(), change.loaded_version,
      change.batch.allocated_quantity(), change.batch.reference(), change.line.orderid(),
      change.line.qty(), change.batch.reference(), change.message.message_id,
      std::string(change.message.channel), change.message.payload);
  if (*std::get<0>(written.at(0)) == 0) {
    throw service_layer::ConcurrencyError("product " + change.product.sku() +
                                          " changed since it was read");
  }
}

// PostgreSQL, in a group's transaction, for a product the group knows: writes `change` in one
// statement whose line goes first, the rest only if it went in. Throws AssumptionUnconfirmed,
// having written nothing, when the order had a line of the product after all.
void write_assumed_line(const NewLine& change, Connection& connection) {
  const auto written = connection.query<long long, long long>(
      "WITH line AS ("
      "  INSERT INTO allocations (orderid, sku, qty, batchref) VALUES (:o, :sku, :q, :b)"
      "  ON CONFLICT (orderid, sku) DO NOTHING RETURNING sku, batchref),"
      " version AS ("
      "  UPDATE products p SET version_number = :v FROM line"
      "  WHERE p.sku = line.sku AND p.version_number = :old RETURNING p.sku),"
      " batch AS ("
      "  UPDATE batches b SET allocated_quantity = :a FROM line"
      "  WHERE b.reference = line.batchref),"
      " message AS ("
      "  INSERT INTO outbox (message_id, channel, payload) SELECT :m, :c, :p FROM line)"
      " SELECT (SELECT COUNT(*) FROM line), (SELECT COUNT(*) FROM version)",
      change.line.orderid(), change.product.sku(), change.line.qty(), change.batch.reference(),
      change.product.version_number(), change.loaded_version, change.batch.allocated_quantity(),
      change.message.message_id, std::string(change.message.channel), change.message.payload);
  const auto& [lines, versions] = written.at(0);
  if (*lines == 0) throw AssumptionUnconfirmed();
  // The group's transaction holds the product's row since it last wrote it, so nothing can
  // have moved its version. Were it to happen, this error spoils the group's transaction, which
  // is rolled back with the line.
  if (*versions == 0)
    throw std::logic_error("product " + change.product.sku() + " changed in a group");
}

class SqlUnitOfWork final : public service_layer::UnitOfWork {
 public:
  SqlUnitOfWork(std::shared_ptr<Database> database, std::shared_ptr<GroupCommit> group_commit,
                std::shared_ptr<ProductGroupCommit> product_groups)
      : database_(std::move(database)),
        group_commit_(std::move(group_commit)),
        product_groups_(std::move(product_groups)),
        transaction_(*database_, group_commit_.get(), product_groups_.get()) {
    products_.emplace(transaction_, /*may_assume=*/true);
  }

  service_layer::ProductRepository& products() override { return *products_; }

  void perform(std::optional<std::string_view> product,
               const std::function<void()>& work) override {
    transaction_.perform(product, [&] {
      try {
        work();
      } catch (const AssumptionUnconfirmed&) {
        // Nothing was written: forget the first run, and read the product this time.
        start_again();
        products_.emplace(transaction_, /*may_assume=*/false);
        work();
      }
    });
  }

  std::vector<domain::events::Deallocated> pending_reallocations() override {
    std::vector<domain::events::Deallocated> pending;
    transaction_.read([&](Connection& connection) {
      for (const auto& [orderid, sku, qty] : connection.query<std::string, std::string, int>(
               "SELECT orderid, sku, qty FROM pending_reallocations ORDER BY id")) {
        pending.push_back({*orderid, *sku, *qty});
      }
    });
    return pending;
  }

 private:
  void write_changes() override {
    if (!group_commit_ && write_allocation_alone()) return transaction_.commit();
    if (products_->assumed()) throw AssumptionUnconfirmed();
    for (const auto& [sku, tracked] : products_->seen()) {
      if (!tracked.changed()) continue;
      transaction_.write([&](Connection& connection) {
        products_->save(tracked, connection);
        store_pending_reallocations(tracked.product, connection);
        store_outgoing_messages(tracked.product, connection);
      });
    }
    for (const auto& settled : settled_reallocations()) {
      transaction_.write([&](Connection& connection) {
        connection.execute("DELETE FROM pending_reallocations WHERE orderid = :o AND sku = :s",
                           settled.orderid, settled.sku);
      });
    }
    transaction_.commit();
  }

  // PostgreSQL, the most common change: one line allocated to one batch, written with its
  // outgoing message in one statement on its own (write_line, write_assumed_line). An
  // allocation then takes 2 round trips (read, write) instead of 7 (BEGIN, read, 4 writes,
  // COMMIT), and 1 (the write) when its product was assumed. False, having written nothing,
  // for any other change, and were the allocation not published (the statement writes its
  // message). Leaves the product with the group, if any, as known.
  bool write_allocation_alone() {
    if (!settled_reallocations().empty()) return false;
    const service_layer::TrackedProduct* changed = nullptr;
    for (const auto& [sku, tracked] : products_->seen()) {
      if (!tracked.changed()) continue;
      if (changed) return false;
      changed = &tracked;
    }
    if (!changed) return false;
    const Batch* batch = products_->only_new_line(*changed);
    const auto& events = changed->product.events();
    if (!batch || events.size() != 1 ||
        !std::holds_alternative<domain::events::Allocated>(events.front())) {
      return false;
    }
    auto message = outgoing_message(events.front());
    if (!message) return false;
    const NewLine change{changed->product, *changed->loaded_version, *batch,
                         batch->loaded_lines().back(), std::move(*message)};
    transaction_.write_alone([&](Connection& connection) {
      if (products_->assumed()) {
        write_assumed_line(change, connection);
      } else {
        write_line(change, connection);
      }
    });
    if (auto* known = transaction_.known_product()) *known = without_lines(changed->product);
    return true;
  }

  std::shared_ptr<Database> database_;
  std::shared_ptr<GroupCommit> group_commit_;
  std::shared_ptr<ProductGroupCommit> product_groups_;
  Transaction transaction_;
  std::optional<SqlProductRepository> products_;  // again for a second run (see perform)
};

}  // namespace

service_layer::UnitOfWorkFactory sql_unit_of_work(std::shared_ptr<Database> database) {
  std::shared_ptr<GroupCommit> group_commit;
  std::shared_ptr<ProductGroupCommit> product_groups;
  if (database->backend() == Backend::sqlite) {
    group_commit = std::make_shared<GroupCommit>(database);
  } else {
    product_groups = std::make_shared<ProductGroupCommit>(*database);
  }
  return
      [database = std::move(database), group_commit = std::move(group_commit),
       product_groups = std::move(product_groups)]() -> std::unique_ptr<service_layer::UnitOfWork> {
        return std::make_unique<SqlUnitOfWork>(database, group_commit, product_groups);
      };
}

}  // namespace allocation::adapters::sql
