#pragma once

#include <chrono>
#include <concepts>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <variant>
#include <vector>

#include "allocation/domain/commands.hpp"
#include "allocation/domain/events.hpp"
#include "allocation/domain/product.hpp"
#include "allocation/domain/product_policy.hpp"
#include "allocation/service_layer/allocation.hpp"
#include "allocation/service_layer/idempotency.hpp"
#include "allocation/service_layer/ports/clock.hpp"
#include "allocation/service_layer/ports/pending_reallocations.hpp"
#include "allocation/service_layer/ports/random_source.hpp"
#include "allocation/service_layer/ports/unit_of_work.hpp"

namespace allocation::service_layer {

// What handling a command gives back to its caller: nothing, unless said here.
template <class C>
struct CommandResult {
  using type = void;
};
template <>
struct CommandResult<domain::commands::CreateBatch> {
  using type = bool;  // false when the batch was there already, as given
};
template <>
struct CommandResult<domain::commands::Allocate> {
  using type = Allocation;
};
template <>
struct CommandResult<domain::commands::ChangeBatchQuantity> {
  using type = bool;  // false when its message was applied already
};
template <>
struct CommandResult<domain::commands::Deallocate> {
  using type = std::vector<domain::events::Released>;  // what was released
};
template <>
struct CommandResult<domain::commands::CancelOrder> {
  using type = std::vector<domain::events::Released>;  // what was released, every product
};
template <>
struct CommandResult<domain::commands::SetProductPolicy> {
  using type = domain::ProductPolicy;  // the policy now
};
template <>
struct CommandResult<domain::commands::Reserve> {
  using type = domain::Product::Reservation;  // the hold, and whether it was made
};
template <>
struct CommandResult<domain::commands::ExtendReservation> {
  using type = domain::Hold;  // as extended
};
template <>
struct CommandResult<domain::commands::ReleaseReservation> {
  using type = domain::events::ReservationReleased;
};
template <>
struct CommandResult<domain::commands::ExpireReservations> {
  using type = int;  // holds ended, every product
};
template <>
struct CommandResult<domain::commands::ExpireProductReservations> {
  using type = int;  // holds ended
};
template <class C>
using CommandResultT = typename CommandResult<C>::type;

// The product a message changes, when it is known before loading anything: the bus tells the
// store (UnitsOfWork::perform), so that a store can make the messages of one product take
// turns. Others run side by side and rely on the optimistic version check alone.
template <class M>
std::optional<std::string_view> product_key(const M&) {
  return std::nullopt;
}
inline std::optional<std::string_view> product_key(const domain::commands::Allocate& c) {
  return c.sku;
}
inline std::optional<std::string_view> product_key(const domain::commands::CreateBatch& c) {
  return c.sku;
}
inline std::optional<std::string_view> product_key(const domain::commands::Deallocate& c) {
  return c.sku;
}
inline std::optional<std::string_view> product_key(const domain::commands::SetProductPolicy& c) {
  return c.sku;
}
inline std::optional<std::string_view> product_key(const domain::commands::Reserve& c) {
  return c.sku;
}
inline std::optional<std::string_view> product_key(
    const domain::commands::ExpireProductReservations& c) {
  return c.sku;
}
inline std::optional<std::string_view> product_key(const domain::events::Deallocated& e) {
  return e.sku;  // its handler allocates the line again
}

class MessageBus;

// A command that spans products runs in no unit of work of its own: its handler gets the bus,
// and hands it one command per product, each in a unit of work of its own, retried and logged
// like any other. Repeating a command that stopped half-way finishes it.
template <class C>
struct SpansProducts : std::false_type {};
template <>
struct SpansProducts<domain::commands::CancelOrder> : std::true_type {};
template <>
struct SpansProducts<domain::commands::ExpireReservations> : std::true_type {};

template <class C>
using CommandHandler =
    std::conditional_t<SpansProducts<C>::value,
                       std::function<CommandResultT<C>(const C&, const MessageBus&)>,
                       std::function<CommandResultT<C>(const C&, UnitOfWork&)>>;
// An event handler that changes products, in a unit of work of its own.
template <class E>
using EventHandler = std::function<void(const E&, UnitOfWork&)>;
// An event handler that only acts outside (a mail, a counter): it gets no unit of work, so it
// holds no database connection while it waits on something else.
template <class E>
using SideEffect = std::function<void(const E&)>;

template <class T, class Variant>
struct IsAlternative;
template <class T, class... Ts>
struct IsAlternative<T, std::variant<Ts...>> : std::bool_constant<(std::same_as<T, Ts> || ...)> {};

template <class C>
concept CommandType = IsAlternative<C, domain::Command>::value;
template <class E>
concept EventType = IsAlternative<E, domain::Event>::value;

template <class Variant>
class CommandHandlerTable;

// Exactly one handler per command of domain::Command, given in the variant's order. There is no
// default constructor: adding a command to the variant without giving it a handler does not
// compile.
template <class... Commands>
class CommandHandlerTable<std::variant<Commands...>> {
 public:
  explicit CommandHandlerTable(CommandHandler<Commands>... handlers)
      : handlers_(std::move(handlers)...) {}

  template <class C>
  const CommandHandler<C>& handler() const {
    return std::get<CommandHandler<C>>(handlers_);
  }

 private:
  std::tuple<CommandHandler<Commands>...> handlers_;
};

using CommandHandlers = CommandHandlerTable<domain::Command>;

template <class Variant>
class EventHandlerTable;

// Zero or more handlers per event of domain::Event, each with a name for the log. A handler
// taking (event, UnitOfWork&) is an EventHandler; one taking the event alone, a SideEffect.
template <class... Events>
class EventHandlerTable<std::variant<Events...>> {
 public:
  template <class E>
  struct Named {
    std::string name;
    std::variant<EventHandler<E>, SideEffect<E>> handle;
  };

  template <EventType E, class Handler>
  requires std::invocable<Handler&, const E&, UnitOfWork&> || std::invocable<Handler&, const E&>
      EventHandlerTable& on(std::string name, Handler handler) {
    auto& named = std::get<std::vector<Named<E>>>(handlers_);
    if constexpr (std::invocable<Handler&, const E&, UnitOfWork&>) {
      named.push_back({std::move(name), EventHandler<E>(std::move(handler))});
    } else {
      named.push_back({std::move(name), SideEffect<E>(std::move(handler))});
    }
    return *this;
  }

  template <EventType E>
  const std::vector<Named<E>>& handlers() const {
    return std::get<std::vector<Named<E>>>(handlers_);
  }

 private:
  std::tuple<std::vector<Named<Events>>...> handlers_;
};

using EventHandlers = EventHandlerTable<domain::Event>;

// How a message that lost an optimistic-concurrency race is tried again: in a fresh unit of
// work, after a random pause ("full jitter") that doubles its range each time.
struct RetryPolicy {
  int max_attempts = 20;
  std::chrono::microseconds first_backoff{100};
  std::chrono::microseconds max_backoff{20'000};
};

// The longest pause after attempt number `attempt` (1, 2, ...) lost its race: first_backoff
// doubled `attempt` times (so the first retry's range is already twice first_backoff), at
// most max_backoff.
std::chrono::microseconds backoff_ceiling(const RetryPolicy& policy, int attempt);

// The pause after attempt number `attempt` lost its race: drawn from `random`, uniformly in
// [0, backoff_ceiling] ("full jitter"), so that threads that collided spread apart.
std::chrono::microseconds jittered_backoff(const RetryPolicy& policy, int attempt,
                                           RandomSource& random);

// Where the pauses between retries come from: the bus draws each from `random` and waits it on
// `clock`. Ports, so that tests script the draws and record the waits instead of sleeping.
struct RetryPauses {
  std::shared_ptr<RandomSource> random;
  std::shared_ptr<Clock> clock;
};

// Counts of what the bus did, for metrics. Called from many threads at once.
struct BusObserver {
  std::function<void()> on_conflict_retry;
  std::function<void(std::string_view handler)> on_event_handler_failure;
};

// The internal message bus. Immutable once built, so one bus serves any number of threads at
// once: each message it handles gets a unit of work of its own from the store, and the
// adapters behind the store are what is shared (each says how it is thread-safe).
class MessageBus {
 public:
  // `pauses` must hold both ports (std::invalid_argument otherwise).
  MessageBus(std::shared_ptr<UnitsOfWork> units_of_work, CommandHandlers commands,
             EventHandlers events, RetryPauses pauses, RetryPolicy retry = {},
             BusObserver observer = {});

  // Handles the command, then every event that follows from it, in order, before returning.
  // The command handler's error reaches the caller (ConcurrencyError once retries are used up);
  // an event handler's error is logged and the other handlers still run.
  template <CommandType C>
  CommandResultT<C> handle(const C& command) const {
    const auto& handler = commands_.template handler<C>();
    if constexpr (SpansProducts<C>::value) {
      return handler(command, *this);
    } else if constexpr (std::is_void_v<CommandResultT<C>>) {
      dispatch(run_in_unit_of_work(product_key(command),
                                   [&](UnitOfWork& uow) { handler(command, uow); }));
    } else {
      std::optional<CommandResultT<C>> result;
      auto events = run_in_unit_of_work(product_key(command),
                                        [&](UnitOfWork& uow) { result = handler(command, uow); });
      dispatch(std::move(events));
      return std::move(*result);
    }
  }

  // Handles the command at most once for a request with an idempotency key (SPEC §8). The
  // first time, `answer` renders what the caller answers from the command's result (from nothing
  // for a command without one), and the answer is recorded under the key in the transaction of
  // the work, so that a retry, from any process on the store, gets it back with the work not
  // done again; so does the loser of two requests racing with one key. A key that answered
  // another fingerprint throws IdempotencyKeyReused. Work that changes nothing records its
  // answer too: the commit writes the key alone.
  //
  // A command that spans products commits in several units of work: its answer is recorded
  // after them, in one of its own. A retry that comes before it does the work again, which for
  // such a command (a cancel) finishes what is left of it.
  template <CommandType C, class Answer>
  KeyedAnswer handle_once(const C& command, const KeyedRequest& request,
                          const Answer& answer) const {
    const auto& handler = commands_.template handler<C>();
    if constexpr (SpansProducts<C>::value) {
      return handle_spanning_once(request, [&] { return answer(handler(command, *this)); });
    } else {
      std::optional<KeyedAnswer> keyed;
      auto events = run_in_unit_of_work(product_key(command), [&](UnitOfWork& uow) {
        keyed = answer_given(uow, request);
        if (keyed) return;
        uow.defer_commit();
        if constexpr (std::is_void_v<CommandResultT<C>>) {
          handler(command, uow);
          keyed = KeyedAnswer{answer(), false};
        } else {
          keyed = KeyedAnswer{answer(handler(command, uow)), false};
        }
        // Work that changed nothing (the same hold asked for again) still records its answer,
        // alone: else the key would take another body later, against SPEC §8's 422.
        if (!uow.commit_asked()) uow.commit();
        uow.record_answer(request, keyed->answer);
        uow.finish_commit();
      });
      dispatch(std::move(events));
      return std::move(*keyed);
    }
  }

  // For entrypoints that decode a command of any type (a broker message); the result is dropped.
  void handle(const domain::Command& command) const;

  // Carries out what a process that died between a commit and its event handlers left undone:
  // handles each pending reallocation's Deallocated event again, as `pending` lists them. Safe
  // while other processes run, since the handlers are idempotent. Returns how many were
  // pending.
  std::size_t recover(PendingReallocations& pending) const;

 private:
  // Runs `work` in a fresh unit of work, and again in another one while it loses races, telling
  // the unit of work the product `key` it changes, if known. Returns the events of the unit of
  // work that committed.
  std::vector<domain::Event> run_in_unit_of_work(std::optional<std::string_view> key,
                                                 const UnitsOfWork::Work& work) const;
  void dispatch(std::vector<domain::Event> events) const;
  // The answer recorded for the request's key, replayed; nullopt when there is none live.
  // Throws IdempotencyKeyReused when it answered another fingerprint.
  static std::optional<KeyedAnswer> answer_given(UnitOfWork& uow, const KeyedRequest& request);
  KeyedAnswer handle_spanning_once(const KeyedRequest& request,
                                   const std::function<RecordedAnswer()>& work) const;

  std::shared_ptr<UnitsOfWork> units_of_work_;
  CommandHandlers commands_;
  EventHandlers events_;
  RetryPauses pauses_;
  RetryPolicy retry_;
  BusObserver observer_;
};

}  // namespace allocation::service_layer
