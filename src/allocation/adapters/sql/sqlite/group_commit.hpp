#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "allocation/adapters/sql/database.hpp"
#include "allocation/adapters/sql/sqlite/checkpointer.hpp"

namespace allocation::adapters::sql {

// Group commit for SQLite, which allows one writer at a time and spends an fsync on every
// commit (synchronous=FULL). The units of work of this process take turns on one connection
// and one open transaction, each inside a savepoint of its own, and one COMMIT makes every turn
// staged meanwhile durable: one fsync for many allocations. Nothing is acknowledged early: a
// turn's work is done only once its group is on disk.
//
// Units of work hand their whole work to perform(), and one writer thread runs the queued
// work one turn after another on the connection, then commits when the queue runs dry (or
// after 64 turns), while the next work queues up. A group smaller than the one before waits
// up to 200 us for each next unit of work before it commits: the last group's callers are
// likely on their way back, and one fsync for all of them costs less than two. On two cores, a
// connection handed from thread to thread would wait for each to be scheduled, and a thread
// preempted while holding it would stall every writer: one thread that keeps it is what lets this
// go faster than the fsync.
//
// A turn sees the staged writes of the turns before it (same transaction): turns of one
// product never conflict, and a hot product costs no more than a spread workload. Other
// processes writing the same file wait for the transaction between two groups (busy_timeout).
class GroupCommit {
 public:
  // How long a group smaller than the last one waits for the next unit of work before it
  // commits. The callers of the last group are likely coming back (each answers its client and
  // gets the next request), and one fsync for all of them costs less than one more fsync: the
  // groups grow (measured in docs/performance.md). Under light load the last group was small,
  // and nothing waits.
  static constexpr std::chrono::microseconds kGatherWait{200};

  // What the writer does in each group's transaction, after its turns and before its COMMIT:
  // work that is cheaper done once for many turns (the ledger's index, movement_index.hpp).
  // What it throws fails the group like a failed COMMIT.
  using Upkeep = std::function<void(Connection&)>;
  // What the writer does first in each group's transaction, right after its BEGIN, before any
  // turn: what must know whether another connection wrote since the last group
  // (StoredProducts::check_other_writers). What it throws fails the first turn and ends the
  // transaction: the next turn begins a group of its own.
  using Began = std::function<void(Connection&)>;
  // What the writer does when a group rolls back what turns staged in it (a failed COMMIT or
  // upkeep, a savepoint that could not be rolled back): what it knew from reads made in the
  // group may be what the database never got (StoredProducts::forget_all). Must not throw.
  using RolledBack = std::function<void()>;

  explicit GroupCommit(std::shared_ptr<Database> database,
                       std::chrono::microseconds gather_wait = kGatherWait, Upkeep upkeep = {},
                       Began began = {}, RolledBack rolled_back = {});
  ~GroupCommit();  // runs what is queued, commits what is staged, then stops
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  struct Group;

  // One unit of work's share of the group's transaction, on the writer thread: a savepoint,
  // begun at its first statement. Destroyed without commit(), its writes are rolled back.
  class Turn {
   public:
    Turn(Turn&&) = delete;
    ~Turn();
    // Runs `work` on the connection, database errors translated.
    void run(const std::function<void(Connection&)>& work);
    // Keeps the writes, to be committed with the group (perform() waits for that).
    void commit();

   private:
    friend class GroupCommit;
    explicit Turn(GroupCommit& owner) : owner_(owner) {}
    GroupCommit& owner_;
    bool in_savepoint_ = false;
    std::shared_ptr<Group> staged_in_;  // the group its writes were committed with
  };

  // Runs `work` with a turn of its own on the writer thread, and returns once it has returned
  // and, if it committed the turn, once its group is durable. Rethrows what `work` threw, or
  // service_layer::Unavailable when the group's COMMIT failed. `work` must not call perform()
  // itself.
  void perform(const std::function<void(Turn&)>& work);

  // How many units of work wait for the writer thread: what a test waits for, where it would
  // otherwise sleep and hope they have queued.
  std::size_t queued();

  // How many groups were committed: one fsync each.
  long long groups_committed() const { return groups_committed_; }

 private:
  struct Work;

  Connection connection();
  // BEGIN IMMEDIATE unless a group is open, then a savepoint for `turn`.
  void open_turn(Turn& turn);
  // The writer thread: runs queued work and commits groups, until stopped.
  void write(std::stop_token stop);
  void run(Work& work);
  // COMMIT when turns are staged, else ROLLBACK: ends the open transaction, if any.
  void commit_group(bool any_staged);
  // Ends the open transaction, if any; a failure to is swallowed (the caller has its error).
  void roll_back() noexcept;
  // After an error that may have spoilt the transaction: rolls all of it back and fails the
  // turns staged in it. Called holding the connection.
  void abandon_group(std::exception_ptr error);
  void finish(const std::shared_ptr<Group>& group, std::exception_ptr error);

  const std::chrono::microseconds gather_wait_;
  const Upkeep upkeep_;
  const Began began_;
  const RolledBack rolled_back_;
  std::shared_ptr<Database> database_;
  // Used by the writer thread alone: the connection, its statements, and open_, the group of
  // its open transaction if any.
  std::unique_ptr<soci::session> session_;
  Checkpointer checkpointer_;  // of session_'s log
  std::unique_ptr<StatementCache> statements_;
  std::shared_ptr<Group> open_;
  int staged_ = 0;  // turns in open_ waiting for its COMMIT

  // Guards what follows; changed_ tells of every change.
  std::mutex state_;
  std::condition_variable_any changed_;
  std::deque<Work*> queue_;  // given to perform(), not run yet
  int last_group_ = 0;       // units of work run by the writer for the last group (writer only)
  // Guards the outcome of work and groups, which the callers of perform() read.
  std::mutex outcome_;
  std::condition_variable finished_;
  std::atomic<long long> groups_committed_ = 0;
  std::jthread writer_;
};

}  // namespace allocation::adapters::sql
