#include "allocation/adapters/sql/sqlite/group_commit.hpp"

#include <soci/session.h>

#include <chrono>

#include "allocation/adapters/sql/connection.hpp"
#include "allocation/service_layer/errors.hpp"

namespace allocation::adapters::sql {

namespace {
// Turns committed at once at most, however many more are queued: bounds their latency.
constexpr int kMaxGroup = 64;
// How long a group smaller than the last one waits for the next unit of work before it
// commits. The callers of the last group are likely coming back (each answers its client and
// gets the next request), and one fsync for all of them costs less than one more fsync: the
// groups grow (measured in docs/performance.md). Under light load the last group was small, and
// nothing waits.
constexpr auto kGatherWait = std::chrono::microseconds(200);
}  // namespace

struct GroupCommit::Group {
  bool finished = false;
  std::exception_ptr error;
};

// What perform() hands to the writer thread; lives in perform()'s frame until it is done.
struct GroupCommit::Work {
  const std::function<void(Turn&)>& body;
  bool ran = false;
  std::exception_ptr error;      // what body threw
  std::shared_ptr<Group> group;  // the group its turn was staged in, if it committed
};

GroupCommit::GroupCommit(std::shared_ptr<Database> database)
    : database_(std::move(database)),
      session_(database_->connect()),
      checkpointer_(*database_),
      statements_(std::make_unique<StatementCache>()) {
  checkpointer_.attach(*session_);
  writer_ = std::jthread([this](std::stop_token stop) { write(stop); });
}

GroupCommit::~GroupCommit() {
  writer_.request_stop();
  writer_.join();
  statements_.reset();  // before the connection they belong to
  checkpointer_.detach(*session_);
}

Connection GroupCommit::connection() { return Connection(*session_, *statements_); }

void GroupCommit::take_connection() {
  std::unique_lock lock(state_);
  ++waiting_;
  const bool free = changed_.wait_for(lock, database_->options().acquire_timeout,
                                      [&] { return !connection_taken_; });
  --waiting_;
  if (free) connection_taken_ = true;
  lock.unlock();
  changed_.notify_all();
  if (!free) throw service_layer::Unavailable("the database writer did not become free in time");
}

void GroupCommit::give_connection_back() {
  {
    std::lock_guard lock(state_);
    connection_taken_ = false;
  }
  changed_.notify_all();
}

void GroupCommit::open_turn(Turn& turn) {
  database_->translate_errors(*session_, [&] {
    if (!open_) {
      connection().execute("BEGIN IMMEDIATE");
      open_ = std::make_shared<Group>();
    }
    connection().execute("SAVEPOINT turn");
  });
  turn.in_savepoint_ = true;
}

std::unique_ptr<GroupCommit::Turn> GroupCommit::begin() {
  std::unique_ptr<Turn> turn(new Turn(*this, false));
  take_connection();
  turn->holds_connection_ = true;
  open_turn(*turn);
  return turn;
}

void GroupCommit::perform(const std::function<void(Turn&)>& body) {
  Work work{.body = body, .ran = false, .error = nullptr, .group = nullptr};
  {
    std::lock_guard lock(state_);
    queue_.push_back(&work);
  }
  changed_.notify_all();
  std::unique_lock lock(outcome_);
  finished_.wait(lock, [&] { return work.ran && (!work.group || work.group->finished); });
  if (work.error) std::rethrow_exception(work.error);
  if (work.group && work.group->error) std::rethrow_exception(work.group->error);
}

GroupCommit::Turn::~Turn() {
  if (!holds_connection_ && !in_savepoint_) return;
  try {
    if (in_savepoint_) {
      owner_.connection().execute("ROLLBACK TO turn");
      owner_.connection().execute("RELEASE turn");
    }
    // A turn of begin(): nothing else may come to this transaction soon. End it unless others
    // wait for its COMMIT, so that it does not hold SQLite's write lock against other processes.
    std::unique_lock lock(owner_.state_);
    if (!on_writer_ && owner_.staged_ == 0 && owner_.open_) {
      lock.unlock();
      *owner_.session_ << "ROLLBACK";
      owner_.open_.reset();
    }
  } catch (...) {
    owner_.abandon_group(std::current_exception());
  }
  if (holds_connection_) owner_.give_connection_back();
}

void GroupCommit::Turn::run(const std::function<void(Connection&)>& work) {
  if (on_writer_ && !in_savepoint_) owner_.open_turn(*this);  // begun on first use
  Connection connection = owner_.connection();
  owner_.database_->translate_errors(*owner_.session_, [&] { work(connection); });
}

void GroupCommit::Turn::commit() {
  if (!in_savepoint_) return;  // a turn of perform() that did nothing
  run([](Connection& connection) { connection.execute("RELEASE turn"); });
  in_savepoint_ = false;
  staged_in_ = owner_.open_;
  {
    std::lock_guard lock(owner_.state_);
    ++owner_.staged_;
    if (!on_writer_) owner_.connection_taken_ = false;
  }
  if (on_writer_) return;
  holds_connection_ = false;
  owner_.changed_.notify_all();

  std::unique_lock lock(owner_.outcome_);
  owner_.finished_.wait(lock, [&] { return staged_in_->finished; });
  if (staged_in_->error) std::rethrow_exception(staged_in_->error);
}

void GroupCommit::write(std::stop_token stop) {
  std::unique_lock lock(state_);
  while (true) {
    changed_.wait(lock, stop, [&] {
      return !connection_taken_ &&
             (!queue_.empty() || staged_ >= kMaxGroup || (staged_ > 0 && waiting_ == 0));
    });
    const bool stopping = stop.stop_requested();
    // On stop, a turn of begin() in flight finishes, and what is queued or staged still goes.
    if (stopping) changed_.wait(lock, [&] { return !connection_taken_; });
    if (queue_.empty() && staged_ == 0) {
      if (stopping) break;
      continue;
    }
    connection_taken_ = true;
    int ran = 0;
    while (true) {
      while (!queue_.empty() && staged_ < kMaxGroup) {
        Work* work = queue_.front();
        queue_.pop_front();
        lock.unlock();
        run(*work);
        ++ran;
        lock.lock();
      }
      if (stopping || staged_ >= kMaxGroup || waiting_ > 0 || ran >= last_group_) break;
      if (!changed_.wait_for(lock, kGatherWait, [&] { return !queue_.empty(); })) break;
    }
    last_group_ = ran;
    if (waiting_ > 0 && staged_ < kMaxGroup && !stopping) {
      connection_taken_ = false;  // turns of begin() stage before the COMMIT
      changed_.notify_all();
      continue;
    }
    const bool any_staged = staged_ > 0;
    staged_ = 0;
    lock.unlock();
    commit_group(any_staged);
    lock.lock();
    connection_taken_ = false;
    changed_.notify_all();
  }
  lock.unlock();
  if (open_) commit_group(false);
}

void GroupCommit::run(Work& work) {
  {
    Turn turn(*this, true);
    try {
      work.body(turn);
    } catch (...) {
      work.error = std::current_exception();
    }
    work.group = turn.staged_in_;
  }  // rolled back unless committed
  // Once `ran` is set, the caller may return and `work` be gone: nothing of it is read after.
  const bool staged = work.group != nullptr;
  {
    std::lock_guard lock(outcome_);
    work.ran = true;
  }
  // A staged turn's caller waits on, and is woken by, its group.
  if (!staged) finished_.notify_all();
}

void GroupCommit::commit_group(bool any_staged) {
  if (!open_) return;
  std::exception_ptr error;
  try {
    if (any_staged) {
      database_->translate_errors(*session_, [&] { connection().execute("COMMIT"); });
      ++groups_committed_;
    } else {
      *session_ << "ROLLBACK";  // turns that only read, or failed: end the write lock
    }
  } catch (...) {
    error = std::current_exception();
    try {
      *session_ << "ROLLBACK";
    } catch (...) {
    }
  }
  finish(std::exchange(open_, nullptr), error);
  checkpointer_.finish_copy(*session_);
}

void GroupCommit::abandon_group(std::exception_ptr error) {
  try {
    *session_ << "ROLLBACK";
  } catch (...) {
  }
  {
    std::lock_guard lock(state_);
    staged_ = 0;
  }
  if (open_) finish(std::exchange(open_, nullptr), error);
}

void GroupCommit::finish(const std::shared_ptr<Group>& group, std::exception_ptr error) {
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const service_layer::Unavailable&) {
    } catch (const std::exception& e) {
      // Staged turns were told nothing was wrong with their own writes: say it is the database.
      error = std::make_exception_ptr(
          service_layer::Unavailable(std::string("database commit failed: ") + e.what()));
    }
  }
  {
    std::lock_guard lock(outcome_);
    group->finished = true;
    group->error = error;
  }
  finished_.notify_all();
}

}  // namespace allocation::adapters::sql
