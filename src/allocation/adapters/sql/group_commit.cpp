#include "allocation/adapters/sql/group_commit.hpp"

#include <soci/session.h>

#include "allocation/service_layer/errors.hpp"

namespace allocation::adapters::sql {

namespace {
// Turns committed at once at most, however many more wait: bounds their latency.
constexpr int kMaxGroup = 64;
}  // namespace

struct GroupCommit::Group {
  bool finished = false;
  std::exception_ptr error;
};

GroupCommit::GroupCommit(std::shared_ptr<Database> database)
    : database_(std::move(database)), session_(database_->connect()) {
  committer_ = std::jthread([this](std::stop_token stop) { commit_groups(stop); });
}

GroupCommit::~GroupCommit() {
  committer_.request_stop();
  committer_.join();
  if (open_) {
    try {
      *session_ << "ROLLBACK";  // begun by a turn that staged nothing
    } catch (...) {
    }
  }
}

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

std::unique_ptr<GroupCommit::Turn> GroupCommit::begin() {
  std::unique_ptr<Turn> turn(new Turn(*this));
  take_connection();
  turn->holds_connection_ = true;
  database_->translate_errors(*session_, [&] {
    if (!open_) {
      *session_ << "BEGIN IMMEDIATE";
      open_ = std::make_shared<Group>();
    }
    *session_ << "SAVEPOINT turn";
  });
  turn->in_savepoint_ = true;
  return turn;
}

GroupCommit::Turn::~Turn() {
  if (!holds_connection_) return;
  try {
    if (in_savepoint_) {
      *owner_.session_ << "ROLLBACK TO turn";
      *owner_.session_ << "RELEASE turn";
    }
    // Nothing else waits for this transaction: end it, so that it does not hold SQLite's
    // write lock against other processes until the next turn.
    std::unique_lock lock(owner_.state_);
    if (owner_.staged_ == 0 && owner_.open_) {
      lock.unlock();
      *owner_.session_ << "ROLLBACK";
      owner_.open_.reset();
    }
  } catch (...) {
    owner_.abandon_group(std::current_exception());
  }
  owner_.give_connection_back();
}

void GroupCommit::Turn::run(const std::function<void(soci::session&)>& work) {
  owner_.database_->translate_errors(*owner_.session_, [&] { work(*owner_.session_); });
}

void GroupCommit::Turn::commit() {
  run([](soci::session& session) { session << "RELEASE turn"; });
  in_savepoint_ = false;
  const std::shared_ptr<Group> group = owner_.open_;
  {
    std::lock_guard lock(owner_.state_);
    ++owner_.staged_;
    owner_.connection_taken_ = false;
  }
  holds_connection_ = false;
  owner_.changed_.notify_all();

  std::unique_lock lock(owner_.outcome_);
  owner_.group_finished_.wait(lock, [&] { return group->finished; });
  if (group->error) std::rethrow_exception(group->error);
}

void GroupCommit::commit_groups(std::stop_token stop) {
  while (true) {
    std::unique_lock lock(state_);
    // On stop, what is staged is still committed: its turns wait for it.
    changed_.wait(lock, stop, [&] {
      return !connection_taken_ && (staged_ >= kMaxGroup || (staged_ > 0 && waiting_ == 0));
    });
    if (staged_ == 0) return;  // stopped
    if (connection_taken_) continue;
    connection_taken_ = true;
    staged_ = 0;
    lock.unlock();

    std::exception_ptr error;
    try {
      database_->translate_errors(*session_, [&] { *session_ << "COMMIT"; });
    } catch (...) {
      error = std::current_exception();
      try {
        *session_ << "ROLLBACK";
      } catch (...) {
      }
    }
    finish(std::exchange(open_, nullptr), error);
    give_connection_back();
  }
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
  group_finished_.notify_all();
}

}  // namespace allocation::adapters::sql
