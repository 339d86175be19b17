#include "e2e/redis_server.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "e2e/service_process.hpp"

namespace allocation::testing {

namespace {

// A port nobody listens on now: the kernel's choice for a socket bound to port 0.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    ::close(fd);
    throw std::runtime_error("no free port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace

RedisServer::RedisServer(std::vector<std::string> options)
    : port_(free_port()), folder_("allocation-redis") {
  start(std::move(options));
}

RedisServer::~RedisServer() { stop(); }

void RedisServer::start(std::vector<std::string> options) {
  std::vector<std::string> argv = {
      "redis-server", "--bind", "127.0.0.1",    "--port", std::to_string(port_),
      "--save",       "",       "--appendonly", "no"};
  argv.insert(argv.end(), options.begin(), options.end());
  pid_ = spawn_program(std::move(argv), folder_.file("redis.log"), folder_.file("redis.err"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      adapters::redis::RedisConnection probe(address());
      return;
    } catch (const std::runtime_error&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  throw std::runtime_error("redis-server did not start on port " + std::to_string(port_));
}

void RedisServer::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

bool RedisServer::command(const std::string& arguments) const {
  const std::string line =
      "redis-cli -h 127.0.0.1 -p " + std::to_string(port_) + " " + arguments + " >/dev/null";
  return std::system(line.c_str()) == 0;
}

void publish_until_received(const adapters::redis::RedisAddress& address, std::string_view channel,
                            std::string_view payload) {
  adapters::redis::RedisConnection publisher(address);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (publisher.publish(channel, payload) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
}

}  // namespace allocation::testing
