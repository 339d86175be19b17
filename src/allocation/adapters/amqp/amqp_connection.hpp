#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

struct amqp_connection_state_t_;

namespace allocation::adapters::amqp {

struct AmqpAddress {
  std::string host;
  int port = 5672;
  std::string user = "guest";
  std::string password = "guest";
  std::string vhost = "/";
};

// amqp://[user[:password]@]host[:port][/vhost] (rabbitmq-c's amqp_parse_url; vhost "/" when
// none is named, %2F decoded). Throws std::invalid_argument naming the URL without its password.
AmqpAddress parse_amqp_url(std::string_view url);

// A message as RabbitMQ delivered it on the connection's channel.
struct AmqpDelivery {
  std::uint64_t tag;
  std::string body;
  bool redelivered;
  // x-delivery-count (quorum queues): how many times it was delivered before; nullopt where
  // the queue does not count.
  std::optional<long long> delivery_count;
  // The header "reason" (what publish() was given), if any.
  std::optional<std::string> reason;
};

// One connection to RabbitMQ (rabbitmq-c) with one channel, closed when destroyed. Every
// failure throws std::runtime_error saying what failed; the connection is then unusable. Not
// thread-safe.
class AmqpConnection {
 public:
  // Connects, logs in and opens channel 1. `timeout` bounds the connect and each wait.
  explicit AmqpConnection(const AmqpAddress& address,
                          std::chrono::milliseconds timeout = std::chrono::seconds(2));
  ~AmqpConnection();
  AmqpConnection(const AmqpConnection&) = delete;
  AmqpConnection& operator=(const AmqpConnection&) = delete;

  // A durable topic exchange.
  void declare_exchange(std::string_view exchange);
  // A durable quorum queue (it counts deliveries), bound to `exchange` with `routing_key`.
  void declare_queue(std::string_view queue, std::string_view exchange,
                     std::string_view routing_key);

  // How many messages of `queue` wait for a consumer (ready, not delivered), by a passive
  // declare.
  long long message_count(std::string_view queue);

  // Publisher confirms: the broker acks (or nacks) each message published from now on.
  void select_confirms();
  // A persistent message; `reason`, when not empty, goes in the header "reason".
  void publish(std::string_view exchange, std::string_view routing_key, std::string_view body,
               std::string_view reason = {});
  // Waits until the broker has acked every message published so far. Throws when it nacks
  // one, or when the connection breaks.
  void wait_for_confirms();

  // Consumes `queue` with manual acknowledgements, at most `prefetch` unacknowledged at once.
  void consume(std::string_view queue, int prefetch);
  // The next delivery, if one comes within `wait`.
  std::optional<AmqpDelivery> next_delivery(std::chrono::milliseconds wait);
  void ack(std::uint64_t tag);

 private:
  // Throws unless the last RPC on the connection succeeded.
  void check(std::string_view what);

  amqp_connection_state_t_* state_;
  std::chrono::milliseconds timeout_;
  std::uint64_t published_ = 0;          // publish sequence numbers: the broker's delivery tags
  std::set<std::uint64_t> unconfirmed_;  // published, not acked yet
};

}  // namespace allocation::adapters::amqp
