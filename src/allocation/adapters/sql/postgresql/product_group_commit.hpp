#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "allocation/adapters/sql/database.hpp"
#include "allocation/adapters/sql/postgresql/known_products.hpp"
#include "allocation/adapters/sql/postgresql/pg_transaction.hpp"

namespace allocation::adapters::sql {

// Group commit per product, for PostgreSQL.
//
// The units of work of one product in this process take turns: side by side, they would lose
// optimistic races to each other. Handing the product from thread to thread would cost a thread
// woken, a commit and a WAL flush per allocation, one after the other: on a hot product, far
// fewer allocations per second than a spread workload. So the thread whose turn it is runs
// the work of every unit of work that queued for the product meanwhile, one after the other, in
// one transaction on one connection, and those that queue while it runs them too, up to a
// bound, and commits them at once. Then it wakes their threads, and the first one that queued
// since leads the next group. A turn alone in its group runs as a unit of work without turns
// does: reads outside a transaction, a lone write in autocommit; it has no commit to share, and
// those that queue meanwhile wait for the next group.
//
// Taking in those that queue while the group runs is what makes a hot product's commits few: on
// a closed loop of N clients, groups that took only those queued when they began would settle
// at about N/2 turns each (one half queues while the other half's group runs), and each would
// pay a commit's WAL flush.
//
// A turn sees the writes of the turns before it (same transaction): the turns of a group never
// conflict, and the version check still guards against other processes. A turn that fails
// having written nothing (a domain error, a lost race in a write of one statement) leaves the
// others be. One that fails after writing, or in a write of several statements (whose lost race
// may come after the first of them wrote: a key answered meanwhile, say), or whose statement
// failed, spoils the transaction: it is rolled back, and the turns staged in it fail with
// service_layer::ConcurrencyError (nothing of theirs was written), which the bus answers by
// trying them again.
//
// What the last group of a product left known of it (Turn::known_product) is where its next
// group starts (KnownProducts): an allocation of a product this process wrote last is then one
// statement.
//
// Products are told apart by their key alone: two products never share a group.
class ProductGroupCommit {
 public:
  // `most_turns`: how many turns a group takes at most, those queued since it began included.
  explicit ProductGroupCommit(Database& database, std::size_t most_turns = 64)
      : database_(database), most_turns_(most_turns) {}
  ProductGroupCommit(const ProductGroupCommit&) = delete;
  ProductGroupCommit& operator=(const ProductGroupCommit&) = delete;

  // One unit of work's share of its group's transaction.
  class Turn {
   public:
    Turn(Turn&&) = delete;
    // As PgTransaction's, on the group's transaction.
    void read(const std::function<void(Connection&)>& work) { transaction_.read(work); }
    // A read in the group's transaction, begun for it if need be: for a read that locks rows.
    void read_in_transaction(const std::function<void(Connection&)>& work) {
      transaction_.write(work);
    }
    // Statements that may fail one after another wrote: any failure spoils the transaction.
    void write(const std::function<void(Connection&)>& work);
    // One statement: a service_layer::ConcurrencyError from it (its condition false) wrote
    // nothing, and leaves the transaction and the known product as they were.
    void write_alone(const std::function<void(Connection&)>& work);
    // Keeps the writes, to be committed with the group.
    void commit() { committed_ = true; }
    // Whether the group's transaction can take no more statements: a write of this turn failed
    // otherwise than by writing nothing, or a statement aborted the transaction.
    bool spoilt() const { return spoilt_ || transaction_.aborted(); }

    // The product as the last turn that wrote it left it here (held: the group's writes hold
    // the product's row lock, so no other process changes it meanwhile), or as the product's
    // last group left it (not held). A turn may start from it instead of reading the product
    // (ProductInGroupRepository). A write that completes or spoils the transaction empties it
    // (the writer knows what it wrote, and may leave the product here again), and so does a
    // rollback. A write of one statement that fails by service_layer::ConcurrencyError has
    // written nothing and leaves it.
    std::optional<KnownProduct>& known_product() { return known_; }

   private:
    friend class ProductGroupCommit;
    Turn(PgTransaction& transaction, std::optional<KnownProduct>& known)
        : transaction_(transaction), known_(known) {}
    void guarded(const std::function<void()>& write, bool one_statement);

    PgTransaction& transaction_;
    std::optional<KnownProduct>& known_;
    bool wrote_ = false;   // a write of it completed
    bool spoilt_ = false;  // a write of it failed, and not by a lost race that wrote nothing
    bool committed_ = false;
  };

  // Runs `work` in a turn of product `product`, in this thread or the one leading its group, and
  // returns once it has returned and, if it committed the turn, once its group is committed.
  // Rethrows what `work` threw; service_layer::ConcurrencyError when another turn spoilt the
  // group's transaction; service_layer::Unavailable when the group's COMMIT failed. `work` must
  // not call perform() itself. Work of no known product runs at once in this thread, a group
  // of its own.
  void perform(std::optional<std::string_view> product, const std::function<void(Turn&)>& work);

  // How many units of work wait for the next group of `product`: what a test waits for, where
  // it would otherwise sleep and hope they have queued.
  std::size_t queued(std::string_view product);

 private:
  struct Waiter;

  // Runs the group of `product` queued so far, then hands the product on.
  void lead(const std::string& product);
  // Runs the turns, commits those that committed, and sets each waiter's error; then keeps
  // what the group leaves known of `product`, if it is one.
  void run(std::vector<Waiter*>& group, const std::string* product);
  // Moves into `group` the units of work of `product` queued since it began, up to most_turns_
  // turns in all; whether it took any.
  bool absorb(const std::string& product, std::vector<Waiter*>& group);

  Database& database_;
  const std::size_t most_turns_;

  KnownProducts known_products_;
  // Guards waiting_ and the waiters' states. An entry per product whose group is running: the
  // units of work queued for the next one.
  std::mutex mutex_;
  std::unordered_map<std::string, std::vector<Waiter*>> waiting_;
};

}  // namespace allocation::adapters::sql
