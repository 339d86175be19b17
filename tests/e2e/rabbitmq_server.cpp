#include "e2e/rabbitmq_server.hpp"

#include <cstdlib>
#include <regex>
#include <stdexcept>

#include "support/text_file.hpp"

namespace allocation::testing {

RabbitMqServer::RabbitMqServer() : folder_("allocation-rabbitmq") {
  run("start");
  std::smatch match;
  const std::string env = read_text(folder_.file("env"));
  static const std::regex url(R"(ALLOCATION_TEST_AMQP=(\S+))");
  if (!std::regex_search(env, match, url)) throw std::runtime_error("no RabbitMQ URL in " + env);
  url_ = match[1];
}

RabbitMqServer::~RabbitMqServer() {
  try {
    run("stop");
  } catch (const std::exception&) {
  }
}

void RabbitMqServer::crash() { run("crash"); }

void RabbitMqServer::restart() { run("restart"); }

void RabbitMqServer::run(const std::string& command) const {
  const std::string line = std::string(ALLOCATION_SOURCE_DIR "/tools/test-servers.sh ") + command +
                           " " + folder_.path() + " rabbitmq";
  if (std::system(line.c_str()) != 0) throw std::runtime_error(line + " failed");
}

}  // namespace allocation::testing
