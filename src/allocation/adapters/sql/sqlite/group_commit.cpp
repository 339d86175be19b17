#include "allocation/adapters/sql/sqlite/group_commit.hpp"

#include <soci/session.h>

#include <chrono>

#include "allocation/adapters/sql/connection.hpp"
#include "allocation/service_layer/errors.hpp"

namespace allocation::adapters::sql {

namespace {
// Turns committed at once at most, however many more are queued: bounds their latency.
constexpr int kMaxGroup = 64;
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

GroupCommit::GroupCommit(std::shared_ptr<Database> database, std::chrono::microseconds gather_wait,
                         Upkeep upkeep, Began began, RolledBack rolled_back)
    : gather_wait_(gather_wait),
      upkeep_(std::move(upkeep)),
      began_(std::move(began)),
      rolled_back_(std::move(rolled_back)),
      database_(std::move(database)),
      session_(database_->connect()),
      checkpointer_(*database_),
      statements_(std::make_unique<StatementCache>(Backend::sqlite)) {
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

void GroupCommit::open_turn(Turn& turn) {
  database_->translate_errors(*session_, [&] {
    if (!open_) {
      connection().execute("BEGIN IMMEDIATE");
      if (began_) {
        // Failed, it ends the transaction it was to begin: no turn runs in a group without it.
        try {
          Connection began = connection();
          began_(began);
        } catch (...) {
          roll_back();
          throw;
        }
      }
      open_ = std::make_shared<Group>();
    }
    connection().execute("SAVEPOINT turn");
  });
  turn.in_savepoint_ = true;
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

std::size_t GroupCommit::queued() {
  std::lock_guard lock(state_);
  return queue_.size();
}

GroupCommit::Turn::~Turn() {
  if (!in_savepoint_) return;
  try {
    owner_.connection().execute("ROLLBACK TO turn");
    owner_.connection().execute("RELEASE turn");
  } catch (...) {
    owner_.abandon_group(std::current_exception());
  }
}

void GroupCommit::Turn::run(const std::function<void(Connection&)>& work) {
  if (!in_savepoint_) owner_.open_turn(*this);  // begun on first use
  Connection connection = owner_.connection();
  owner_.database_->translate_errors(*owner_.session_, [&] { work(connection); });
}

void GroupCommit::Turn::commit() {
  if (!in_savepoint_) return;  // a turn that did nothing
  run([](Connection& connection) { connection.execute("RELEASE turn"); });
  in_savepoint_ = false;
  staged_in_ = owner_.open_;
  ++owner_.staged_;
}

void GroupCommit::write(std::stop_token stop) {
  std::unique_lock lock(state_);
  while (true) {
    changed_.wait(lock, stop, [&] { return !queue_.empty(); });
    const bool stopping = stop.stop_requested();
    // On stop, what is queued still goes.
    if (queue_.empty()) {
      if (stopping) break;
      continue;
    }
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
      if (stopping || staged_ >= kMaxGroup || ran >= last_group_) break;
      if (!changed_.wait_for(lock, gather_wait_, [&] { return !queue_.empty(); })) break;
    }
    last_group_ = ran;
    const bool any_staged = staged_ > 0;
    staged_ = 0;
    lock.unlock();
    commit_group(any_staged);
    lock.lock();
  }
  lock.unlock();
  if (open_) commit_group(false);
}

void GroupCommit::run(Work& work) {
  {
    Turn turn(*this);
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
      database_->translate_errors(*session_, [&] {
        Connection staged = connection();
        if (upkeep_) upkeep_(staged);
        staged.execute("COMMIT");
      });
      ++groups_committed_;
    } else {
      *session_ << "ROLLBACK";  // turns that only read, or failed: end the write lock
    }
  } catch (...) {
    error = std::current_exception();
    roll_back();
    if (any_staged && rolled_back_) rolled_back_();
  }
  finish(std::exchange(open_, nullptr), error);
  checkpointer_.finish_copy(*session_);
}

void GroupCommit::roll_back() noexcept {
  try {
    *session_ << "ROLLBACK";
  } catch (...) {  // a connection that cannot roll back has no transaction left to end
  }
}

void GroupCommit::abandon_group(std::exception_ptr error) {
  roll_back();
  if (rolled_back_) rolled_back_();
  staged_ = 0;
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
