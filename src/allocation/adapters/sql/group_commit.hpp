#pragma once

#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "allocation/adapters/sql/database.hpp"

namespace allocation::adapters::sql {

// Group commit for SQLite, which allows one writer at a time and spends an fsync on every
// commit (synchronous=FULL). The units of work of this process take turns on one connection
// and one open transaction, each inside a savepoint of its own, and a committer thread commits
// whatever turns were staged meanwhile with one COMMIT, so one fsync makes many allocations
// durable. A turn's commit() returns only once its group is on disk (or throws if that
// failed), so nothing is acknowledged early.
//
// A turn sees the staged writes of the turns before it (same transaction): turns of one
// product never conflict, and a hot product costs no more than a spread workload. Other
// processes writing the same file wait for the transaction between two groups (busy_timeout).
class GroupCommit {
 public:
  explicit GroupCommit(std::shared_ptr<Database> database);
  ~GroupCommit();  // commits what is staged, then stops
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  struct Group;

  // One unit of work's share of the group's transaction. Holds the writer from begin() to
  // commit() or destruction; destroyed without commit(), its writes are rolled back.
  class Turn {
   public:
    Turn(Turn&&) = delete;
    ~Turn();
    // Runs `work` on the writer's connection, database errors translated.
    void run(const std::function<void(soci::session&)>& work);
    // Keeps the writes, hands the writer on and waits until they are durable. Throws
    // service_layer::Unavailable when the group's COMMIT failed.
    void commit();

   private:
    friend class GroupCommit;
    explicit Turn(GroupCommit& owner);
    GroupCommit& owner_;
    std::unique_lock<std::timed_mutex> writer_;
    bool finished_ = false;
  };

  // Waits for the writer, begins the transaction if no group is open, and a savepoint. Throws
  // service_layer::Unavailable when the writer is not free within the acquire timeout. A
  // thread holding a turn must not begin another, nor wait for another turn's commit.
  std::unique_ptr<Turn> begin();

 private:
  void commit_groups(std::stop_token stop);
  // After an error that may have spoilt the transaction: rolls all of it back and fails the
  // turns staged in it. Called with the writer held.
  void abandon_group(std::exception_ptr error);
  void finish(const std::shared_ptr<Group>& group, std::exception_ptr error);

  std::shared_ptr<Database> database_;
  std::unique_ptr<soci::session> session_;
  // Held by the turn staging, or by the committer while it commits. Guards session_, open_
  // and staged_.
  std::timed_mutex writer_;
  std::condition_variable_any something_staged_;
  std::shared_ptr<Group> open_;  // the group of the open transaction, if any
  int staged_ = 0;               // turns in open_ waiting for its COMMIT
  // Turns waiting for the writer: the committer lets them stage first, so that one fsync
  // serves every request in flight rather than whichever few staged first.
  std::atomic<int> waiting_ = 0;
  // Guards the outcome of groups, which waiting turns read.
  std::mutex outcome_;
  std::condition_variable group_finished_;
  std::jthread committer_;
};

}  // namespace allocation::adapters::sql
