#pragma once

#include <string>

#include "support/temp_folder.hpp"

namespace allocation::testing {

// A RabbitMQ of a test's own (tools/test-servers.sh, in a folder of its own, on free loopback
// ports), which the test may kill and start again on the same port with the same data, without
// disturbing the tests that share the suite's server. Starting takes seconds.
class RabbitMqServer {
 public:
  RabbitMqServer();
  ~RabbitMqServer();
  RabbitMqServer(const RabbitMqServer&) = delete;
  RabbitMqServer& operator=(const RabbitMqServer&) = delete;

  // SIGKILL, as a crash or a power cut would: clients see their connections break, and only
  // what reached its disk survives.
  void crash();
  // Started again; returns once it serves.
  void restart();

  const std::string& url() const { return url_; }

 private:
  void run(const std::string& command) const;

  TempFolder folder_;  // the server's files, gone with it once it stopped
  std::string url_;
};

}  // namespace allocation::testing
