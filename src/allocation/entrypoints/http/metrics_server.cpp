#include "allocation/entrypoints/http/metrics_server.hpp"

#include <httplib.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace allocation::entrypoints {

struct MetricsServer::Impl {
  httplib::Server server;
  int port = -1;
  std::jthread serving;  // last: joined before the server is destroyed
};

namespace {

void send(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

}  // namespace

MetricsServer::MetricsServer(const std::string& host, int port,
                             const adapters::PrometheusMetrics& metrics,
                             std::vector<ReadinessCheck> readiness)
    : impl_(std::make_unique<Impl>()) {
  httplib::Server& server = impl_->server;
  server.new_task_queue = [] { return new httplib::ThreadPool(2); };
  // Not the library's SO_REUSEPORT, which lets a second process share a port in use.
  server.set_socket_options([](socket_t sock) {
    const int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server.Get("/metrics", [&metrics](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics.render(), "text/plain; version=0.0.4");
  });
  server.Get("/health/live", [](const httplib::Request&, httplib::Response& res) {
    send(res, 200, {{"status", "ok"}});
  });
  server.Get("/health/ready",
             [checks = std::move(readiness)](const httplib::Request&, httplib::Response& res) {
               const auto answer = entrypoints::readiness(checks);
               send(res, answer.status, answer.body);
             });
  // Anything else (404), and what the library refuses to read (400, 414...), with a message.
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    const std::string message = res.status == 404
                                    ? "the worker serves only GET /metrics, /health/live and "
                                      "/health/ready, not " +
                                          req.method + " " + req.path
                                    : "request refused (HTTP " + std::to_string(res.status) + ")";
    send(res, res.status, nlohmann::json{{"message", message}});
  });
  errno = 0;
  impl_->port =
      port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (impl_->port < 0) {
    const int error = errno;
    throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                             (error ? std::strerror(error) : "the address cannot be used"));
  }
  impl_->serving = std::jthread([this] { impl_->server.listen_after_bind(); });
  // Serving once constructed: a stop() before the accept loop runs would be lost (the library
  // stops only a running server), and the destructor would wait for ever.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!server.is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

MetricsServer::~MetricsServer() {
  impl_->server.stop();
  impl_->serving = {};  // joined
}

int MetricsServer::port() const { return impl_->port; }

}  // namespace allocation::entrypoints
