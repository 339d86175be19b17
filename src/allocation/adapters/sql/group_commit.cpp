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

std::unique_ptr<GroupCommit::Turn> GroupCommit::begin() {
  std::unique_ptr<Turn> turn(new Turn(*this));
  database_->translate_errors(*session_, [&] {
    if (!open_) {
      *session_ << "BEGIN IMMEDIATE";
      open_ = std::make_shared<Group>();
    }
    *session_ << "SAVEPOINT turn";
  });
  turn->finished_ = false;
  return turn;
}

GroupCommit::Turn::Turn(GroupCommit& owner)
    : owner_(owner), writer_(owner.writer_, std::defer_lock) {
  ++owner.waiting_;
  const bool acquired = writer_.try_lock_for(owner.database_->options().acquire_timeout);
  --owner.waiting_;
  if (!acquired) {
    throw service_layer::Unavailable("the database writer did not become free in time");
  }
  finished_ = true;  // nothing to undo until the savepoint exists
}

GroupCommit::Turn::~Turn() {
  // The committer may be waiting for this turn to be over before it commits the others.
  owner_.something_staged_.notify_one();
  if (finished_) return;
  try {
    *owner_.session_ << "ROLLBACK TO turn";
    *owner_.session_ << "RELEASE turn";
    // Nothing else waits for this transaction: end it, so that it does not hold SQLite's
    // write lock against other processes until the next turn.
    if (owner_.staged_ == 0) {
      *owner_.session_ << "ROLLBACK";
      owner_.open_.reset();
    }
  } catch (...) {
    owner_.abandon_group(std::current_exception());
  }
}

void GroupCommit::Turn::run(const std::function<void(soci::session&)>& work) {
  owner_.database_->translate_errors(*owner_.session_, [&] { work(*owner_.session_); });
}

void GroupCommit::Turn::commit() {
  run([](soci::session& session) { session << "RELEASE turn"; });
  finished_ = true;
  std::shared_ptr<Group> group = owner_.open_;
  ++owner_.staged_;
  writer_.unlock();
  owner_.something_staged_.notify_one();

  std::unique_lock lock(owner_.outcome_);
  owner_.group_finished_.wait(lock, [&] { return group->finished; });
  if (group->error) std::rethrow_exception(group->error);
}

void GroupCommit::commit_groups(std::stop_token stop) {
  while (true) {
    std::unique_lock writer(writer_);
    // On stop, what is staged is still committed: its turns wait for it.
    const bool staged = something_staged_.wait(
        writer, stop, [&] { return staged_ >= kMaxGroup || (staged_ > 0 && waiting_ == 0); });
    if (!staged && staged_ == 0) return;
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
    staged_ = 0;
  }
}

void GroupCommit::abandon_group(std::exception_ptr error) {
  try {
    *session_ << "ROLLBACK";
  } catch (...) {
  }
  if (open_) finish(std::exchange(open_, nullptr), error);
  staged_ = 0;
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
