#include "allocation/adapters/event_stream/server_sent_events.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "allocation/service_layer/event_kinds.hpp"
#include "allocation/service_layer/external_messages.hpp"

namespace allocation::adapters {

namespace {

using nlohmann::json;

template <class T>
void set(json& data, const char* name, const T& value) {
  data[name] = value;
}
template <class T>
void set(json& data, const char* name, const std::optional<T>& value) {
  if (value) data[name] = *value;
}

// The ids an event carries, whatever its kind: enough for a subscriber to know what to read.
json ids_of(const domain::Event& event) {
  return std::visit(
      [](const auto& e) {
        json data = {{"sku", e.sku}};
        if constexpr (requires { e.orderid; }) set(data, "orderid", e.orderid);
        if constexpr (requires { e.id; }) set(data, "id", e.id);
        if constexpr (requires { e.batchref; }) set(data, "batchref", e.batchref);
        if constexpr (requires { e.qty; }) set(data, "qty", e.qty);
        return data;
      },
      event);
}

}  // namespace

std::string ServerSentEvents::frame(const domain::Event& event) {
  std::string name;
  json data = json::object();
  if (auto message = service_layer::external_message(event)) {
    name = message->channel;
    for (const auto& field : message->payload) {
      std::visit([&](const auto& value) { data[std::string(field.name)] = value; }, field.value);
    }
  } else {
    name = service_layer::event_kind(event);
    data = ids_of(event);
  }
  // One line of JSON: dump() escapes every newline inside strings.
  return "event: " + name + "\ndata: " + data.dump(-1, ' ', false, json::error_handler_t::replace) +
         "\n\n";
}

void ServerSentEvents::publish(const domain::Event& event) {
  if (!listened_to()) return;
  const std::string text = frame(event);
  {
    const std::lock_guard lock(mutex_);
    for (Subscription* subscription : subscriptions_) {
      if (subscription->ended_) continue;
      if (subscription->pending_.size() + text.size() > options_.max_pending_bytes) {
        subscription->ended_ = true;  // fell behind: dropped, its client reads afresh
        subscription->pending_.clear();
      } else {
        subscription->pending_ += text;
      }
    }
  }
  published_.notify_all();
}

std::unique_ptr<ServerSentEvents::Subscription> ServerSentEvents::subscribe() {
  const std::lock_guard lock(mutex_);
  if (subscriptions_.size() >= options_.max_subscribers) return nullptr;
  std::unique_ptr<Subscription> subscription(new Subscription(*this));
  subscriptions_.push_back(subscription.get());
  subscribed_.store(subscriptions_.size(), std::memory_order_relaxed);
  return subscription;
}

ServerSentEvents::Subscription::~Subscription() {
  const std::lock_guard lock(feed_.mutex_);
  std::erase(feed_.subscriptions_, this);
  feed_.subscribed_.store(feed_.subscriptions_.size(), std::memory_order_relaxed);
}

std::optional<std::string> ServerSentEvents::Subscription::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(feed_.mutex_);
  feed_.published_.wait_for(lock, timeout, [this] { return ended_ || !pending_.empty(); });
  if (ended_) return std::nullopt;
  return std::exchange(pending_, std::string());
}

}  // namespace allocation::adapters
