#pragma once

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
// the turns staged meanwhile with one COMMIT, so one fsync makes many allocations durable. It
// waits for the turns already queued to stage first, up to a bound. A turn's commit() returns
// only once its group is on disk (or throws if that failed): nothing is acknowledged early.
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

  // One unit of work's share of the group's transaction. Holds the connection from begin() to
  // commit() or destruction; destroyed without commit(), its writes are rolled back.
  class Turn {
   public:
    Turn(Turn&&) = delete;
    ~Turn();
    // Runs `work` on the connection, database errors translated.
    void run(const std::function<void(soci::session&)>& work);
    // Keeps the writes, hands the connection on and waits until they are durable. Throws
    // service_layer::Unavailable when the group's COMMIT failed.
    void commit();

   private:
    friend class GroupCommit;
    explicit Turn(GroupCommit& owner) : owner_(owner) {}
    GroupCommit& owner_;
    bool holds_connection_ = false;
    bool in_savepoint_ = false;
  };

  // Waits for the connection, begins the transaction if no group is open, and a savepoint.
  // Throws service_layer::Unavailable when the connection is not free within the acquire
  // timeout. A thread holding a turn must not begin another, nor wait for another's commit.
  std::unique_ptr<Turn> begin();

 private:
  void take_connection();
  void give_connection_back();
  void commit_groups(std::stop_token stop);
  // After an error that may have spoilt the transaction: rolls all of it back and fails the
  // turns staged in it. Called holding the connection.
  void abandon_group(std::exception_ptr error);
  void finish(const std::shared_ptr<Group>& group, std::exception_ptr error);

  std::shared_ptr<Database> database_;
  // Used by one holder at a time (a turn, or the committer): the connection, and open_, the
  // group of its open transaction if any.
  std::unique_ptr<soci::session> session_;
  std::shared_ptr<Group> open_;

  // Guards what follows; changed_ tells of every change.
  std::mutex state_;
  std::condition_variable_any changed_;
  bool connection_taken_ = false;
  int waiting_ = 0;  // turns waiting for the connection: the committer lets them stage first
  int staged_ = 0;   // turns in open_ waiting for its COMMIT
  // Guards the outcome of groups, which waiting turns read.
  std::mutex outcome_;
  std::condition_variable group_finished_;
  std::jthread committer_;
};

}  // namespace allocation::adapters::sql
