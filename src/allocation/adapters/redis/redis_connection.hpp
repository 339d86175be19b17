#pragma once

#include <chrono>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct redisContext;
struct redisReply;

namespace allocation::adapters::redis {

struct RedisAddress {
  std::string host;
  int port;
  // Sent with AUTH when the password is not empty; the user is Redis 6's ACL user, "default"
  // when empty.
  std::string user = {};
  std::string password = {};
};

// redis://[[user]:password@]host[:port] (port 6379 by default), or another `scheme` of the same
// form. Throws std::invalid_argument naming the fault, and the URL without its password.
RedisAddress parse_redis_url(std::string_view url, std::string_view scheme = "redis://");

// The URL as it may be shown (an error, the log): its password, if any, replaced by ***.
std::string without_password(std::string_view url);

// A reply of Redis (hiredis's), freed when destroyed.
using RedisReply = std::unique_ptr<redisReply, void (*)(void*)>;

// One connection to a Redis server (hiredis), closed when destroyed. Not thread-safe.
class RedisConnection {
 public:
  // Throws std::runtime_error when the server cannot be reached or refuses the password.
  explicit RedisConnection(const RedisAddress& address,
                           std::chrono::milliseconds timeout = std::chrono::seconds(2));
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // PUBLISH; returns how many subscribers received it. Throws std::runtime_error.
  long long publish(std::string_view channel, std::string_view message);
  // Any command, each argument as it is (binary-safe); its reply. Throws std::runtime_error
  // when the connection breaks or Redis answers an error.
  RedisReply command(std::initializer_list<std::string_view> arguments);
  // Pipelining: append() sends a command without waiting, and reply() reads the reply of the
  // oldest command not read yet, blocking. Each throws like command().
  void append(std::initializer_list<std::string_view> arguments);
  RedisReply reply();
  // SUBSCRIBE; then next_message() reads what arrives. Throws std::runtime_error.
  void subscribe(std::string_view channel);
  // A message of a subscribed channel, if one arrives within `wait`; nullopt otherwise.
  // Throws std::runtime_error when the connection breaks.
  std::optional<std::string> next_message(std::chrono::milliseconds wait);

 private:
  void authenticate(const RedisAddress& address);

  redisContext* context_;
};

}  // namespace allocation::adapters::redis
