#include "e2e/rabbitmq_server.hpp"

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <stdexcept>

#include "support/text_file.hpp"

namespace allocation::testing {

RabbitMqServer::RabbitMqServer() {
  char folder[] = "/tmp/allocation-rabbitmq-XXXXXX";
  folder_ = ::mkdtemp(folder);
  run("start");
  std::smatch match;
  const std::string env = read_text(folder_ + "/env");
  static const std::regex url(R"(ALLOCATION_TEST_AMQP=(\S+))");
  if (!std::regex_search(env, match, url)) throw std::runtime_error("no RabbitMQ URL in " + env);
  url_ = match[1];
}

RabbitMqServer::~RabbitMqServer() {
  try {
    run("stop");
  } catch (const std::exception&) {
  }
  std::filesystem::remove_all(folder_);
}

void RabbitMqServer::crash() { run("crash"); }

void RabbitMqServer::restart() { run("restart"); }

void RabbitMqServer::run(const std::string& command) const {
  const std::string line = std::string(ALLOCATION_SOURCE_DIR "/tools/test-servers.sh ") + command +
                           " " + folder_ + " rabbitmq";
  if (std::system(line.c_str()) != 0) throw std::runtime_error(line + " failed");
}

}  // namespace allocation::testing
