#include "allocation/adapters/sql/postgresql/product_group_commit.hpp"

#include <algorithm>
#include <condition_variable>
#include <exception>

#include "allocation/service_layer/errors.hpp"

namespace allocation::adapters::sql {

struct ProductGroupCommit::Waiter {
  enum class State { waiting, leading, done };

  explicit Waiter(const std::function<void(Turn&)>& w) : work(w) {}

  const std::function<void(Turn&)>& work;
  State state = State::waiting;
  std::exception_ptr error;
  std::condition_variable woken;  // when state changes; notified holding the mutex, so that
                                  // the waiter cannot return and destroy it meanwhile
};

void ProductGroupCommit::Turn::guarded(const std::function<void()>& write, bool one_statement) {
  try {
    write();
  } catch (const service_layer::ConcurrencyError&) {
    // A statement whose version check failed, or an allocation whose assumed product proved
    // wrong, has written nothing, and the known product still holds; a statement that failed
    // has aborted the transaction, which the group finds out by itself (and rolls back,
    // forgetting it). Of several statements, those before the one that lost may have written.
    if (!one_statement) {
      spoilt_ = true;
      known_.reset();
    }
    throw;
  } catch (...) {
    spoilt_ = true;
    known_.reset();
    throw;
  }
  wrote_ = true;
  known_.reset();
}

void ProductGroupCommit::Turn::write(const std::function<void(Connection&)>& work) {
  guarded([&] { transaction_.write(work); }, /*one_statement=*/false);
}

void ProductGroupCommit::Turn::write_alone(const std::function<void(Connection&)>& work) {
  guarded([&] { transaction_.write_alone(work); }, /*one_statement=*/true);
}

void ProductGroupCommit::perform(std::optional<std::string_view> product,
                                 const std::function<void(Turn&)>& work) {
  Waiter me(work);
  if (!product) {
    std::vector<Waiter*> alone{&me};
    run(alone, nullptr);
    if (me.error) std::rethrow_exception(me.error);
    return;
  }
  const std::string key(*product);
  bool leads = false;
  {
    std::unique_lock lock(mutex_);
    auto [queue, first] = waiting_.try_emplace(key);
    queue->second.push_back(&me);
    if (first) me.state = Waiter::State::leading;
    me.woken.wait(lock, [&] { return me.state != Waiter::State::waiting; });
    leads = me.state == Waiter::State::leading;
  }
  if (leads) lead(key);
  if (me.error) std::rethrow_exception(me.error);
}

std::size_t ProductGroupCommit::queued(std::string_view product) {
  std::lock_guard lock(mutex_);
  auto queue = waiting_.find(std::string(product));
  return queue == waiting_.end() ? 0 : queue->second.size();
}

void ProductGroupCommit::lead(const std::string& product) {
  std::vector<Waiter*> group;
  absorb(product, group);
  run(group, &product);
  std::lock_guard lock(mutex_);
  auto queue = waiting_.find(product);
  if (queue->second.empty()) {
    waiting_.erase(queue);
  } else {
    Waiter& next = *queue->second.front();
    next.state = Waiter::State::leading;
    next.woken.notify_one();
  }
  for (Waiter* waiter : group) {
    waiter->state = Waiter::State::done;
    waiter->woken.notify_one();
  }
}

bool ProductGroupCommit::absorb(const std::string& product, std::vector<Waiter*>& group) {
  if (group.size() >= most_turns_) return false;
  std::lock_guard lock(mutex_);
  auto& queue = waiting_.at(product);
  const std::size_t taken = std::min(queue.size(), most_turns_ - group.size());
  group.insert(group.end(), queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(taken));
  queue.erase(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(taken));
  return taken > 0;
}

void ProductGroupCommit::run(std::vector<Waiter*>& group, const std::string* product) {
  // A group of one writes alone, in autocommit: it has no commit to share, and takes in none.
  const bool alone = group.size() == 1;
  PgTransaction transaction(database_, /*lone_writes=*/alone);
  std::vector<Waiter*> staged;
  std::optional<KnownProduct> known;
  if (product) known = known_products_.find(*product);
  // What the group leaves known: what it committed, or what it started from.
  const auto leave_known = [&] {
    if (!product) return;
    if (known) {
      known_products_.remember(*known);
    } else {
      known_products_.forget(*product);
    }
  };
  for (std::size_t i = 0; i < group.size() || (product && !alone && absorb(*product, group)); ++i) {
    Waiter* waiter = group[i];
    Turn turn(transaction, known);
    try {
      waiter->work(turn);
    } catch (...) {
      waiter->error = std::current_exception();
    }
    if (turn.committed_ && !waiter->error) {
      staged.push_back(waiter);
      continue;
    }
    if (!turn.wrote_ && !turn.spoilt_ && !transaction.aborted()) continue;
    // Its writes cannot be taken back alone: neither can the group's.
    transaction.rollback();
    known.reset();
    for (Waiter* other : staged) {
      other->error = std::make_exception_ptr(service_layer::ConcurrencyError(
          "rolled back with another unit of work of its product that failed"));
    }
    staged.clear();
  }
  if (staged.empty()) {
    // The transaction rolls back what is left: a turn that wrote and did not commit, which
    // emptied `known`.
    leave_known();
    return;
  }
  try {
    transaction.commit();
  } catch (...) {
    known.reset();
    for (Waiter* waiter : staged) waiter->error = std::current_exception();
  }
  leave_known();
}

}  // namespace allocation::adapters::sql
