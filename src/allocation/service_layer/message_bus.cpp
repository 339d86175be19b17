#include "allocation/service_layer/message_bus.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <stdexcept>

#include "allocation/service_layer/errors.hpp"

namespace allocation::service_layer {

std::chrono::microseconds backoff_ceiling(const RetryPolicy& policy, int attempt) {
  return std::min<std::chrono::microseconds>(policy.max_backoff,
                                             policy.first_backoff * (1 << std::min(attempt, 20)));
}

std::chrono::microseconds jittered_backoff(const RetryPolicy& policy, int attempt,
                                           RandomSource& random) {
  return std::chrono::microseconds(random.uniform(0, backoff_ceiling(policy, attempt).count()));
}

MessageBus::MessageBus(std::shared_ptr<UnitsOfWork> units_of_work, CommandHandlers commands,
                       EventHandlers events, RetryPauses pauses, RetryPolicy retry,
                       BusObserver observer)
    : units_of_work_(std::move(units_of_work)),
      commands_(std::move(commands)),
      events_(std::move(events)),
      pauses_(std::move(pauses)),
      retry_(retry),
      observer_(std::move(observer)) {
  if (!pauses_.random || !pauses_.clock)
    throw std::invalid_argument("MessageBus: RetryPauses needs a random source and a clock");
}

void MessageBus::handle(const domain::Command& command) const {
  std::visit([this](const auto& c) { (void)handle(c); }, command);
}

std::size_t MessageBus::recover(PendingReallocations& pending) const {
  const auto listed = pending.list();
  dispatch({listed.begin(), listed.end()});
  return listed.size();
}

std::vector<domain::Event> MessageBus::run_in_unit_of_work(std::optional<std::string_view> key,
                                                           const UnitsOfWork::Work& work) const {
  for (int attempt = 1;; ++attempt) {
    try {
      return units_of_work_->perform(key, work);
    } catch (const ConcurrencyError&) {
      if (attempt >= retry_.max_attempts) throw;
    }  // rolled back before backing off
    if (observer_.on_conflict_retry) observer_.on_conflict_retry();
    pauses_.clock->sleep_for(jittered_backoff(retry_, attempt, *pauses_.random));
  }
}

std::optional<KeyedAnswer> MessageBus::answer_given(UnitOfWork& uow, const KeyedRequest& request) {
  auto stored = uow.answer_to(request);
  if (!stored) return std::nullopt;
  if (stored->fingerprint != request.fingerprint) throw IdempotencyKeyReused(request.key);
  return KeyedAnswer{std::move(stored->answer), true};
}

KeyedAnswer MessageBus::handle_spanning_once(const KeyedRequest& request,
                                             const std::function<RecordedAnswer()>& work) const {
  std::optional<KeyedAnswer> keyed;
  (void)run_in_unit_of_work(std::nullopt,
                            [&](UnitOfWork& uow) { keyed = answer_given(uow, request); });
  if (keyed) return std::move(*keyed);
  const RecordedAnswer fresh = work();
  // A request racing with this one may have recorded its answer meanwhile: both answer that.
  (void)run_in_unit_of_work(std::nullopt, [&](UnitOfWork& uow) {
    keyed = answer_given(uow, request);
    if (keyed) return;
    uow.record_answer(request, fresh);
    uow.commit();
    keyed = KeyedAnswer{fresh, false};
  });
  return std::move(*keyed);
}

void MessageBus::dispatch(std::vector<domain::Event> first) const {
  std::deque<domain::Event> queue(std::make_move_iterator(first.begin()),
                                  std::make_move_iterator(first.end()));
  while (!queue.empty()) {
    const domain::Event event = std::move(queue.front());
    queue.pop_front();
    std::visit(
        [&](const auto& e) {
          using E = std::decay_t<decltype(e)>;
          for (const auto& handler : events_.template handlers<E>()) {
            try {
              if (const auto* side_effect = std::get_if<SideEffect<E>>(&handler.handle)) {
                (*side_effect)(e);
              } else {
                const auto& in_unit_of_work = std::get<EventHandler<E>>(handler.handle);
                auto more = run_in_unit_of_work(product_key(e),
                                                [&](UnitOfWork& uow) { in_unit_of_work(e, uow); });
                std::move(more.begin(), more.end(), std::back_inserter(queue));
              }
            } catch (const std::exception& error) {
              spdlog::error("event handler {} failed: {}", handler.name, error.what());
              if (observer_.on_event_handler_failure)
                observer_.on_event_handler_failure(handler.name);
            }
          }
        },
        event);
  }
}

}  // namespace allocation::service_layer
