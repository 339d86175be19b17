#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "allocation/adapters/redis/redis_connection.hpp"
#include "support/temp_folder.hpp"

namespace allocation::testing {

// A redis-server of a test's own, on a free loopback port, which the test may stop and start
// again (on the same port) without disturbing the tests that share the suite's server.
class RedisServer {
 public:
  explicit RedisServer(std::vector<std::string> options = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Starts it with redis-server `options` (e.g. {"--user", "default", ...}); returns once it
  // answers.
  void start(std::vector<std::string> options = {});
  // SIGKILL, as a crash or a pulled cable would: clients see their connections break.
  void stop();
  // Runs one command with redis-cli; true when it succeeded.
  bool command(const std::string& arguments) const;

  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  adapters::redis::RedisAddress address() const { return {"127.0.0.1", port_}; }

 private:
  int port_;
  pid_t pid_ = -1;
  TempFolder folder_;  // its log, gone with it
};

// Publishes `payload` on `channel` again and again until a subscriber receives it (a service's
// consumer subscribes shortly after it starts, or after Redis restarts), for up to 20 s.
void publish_until_received(const adapters::redis::RedisAddress& address, std::string_view channel,
                            std::string_view payload);

}  // namespace allocation::testing
