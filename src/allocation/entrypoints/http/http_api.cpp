#include "allocation/entrypoints/http/http_api.hpp"

#include <httplib.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "allocation/domain/errors.hpp"
#include "allocation/entrypoints/decoding.hpp"
#include "allocation/entrypoints/http/buffered_server.hpp"
#include "allocation/entrypoints/http/openapi.hpp"
#include "allocation/service_layer/errors.hpp"
#include "allocation/service_layer/views.hpp"

namespace allocation::entrypoints {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace commands = domain::commands;

// Which route the current request took, and when it started, for the metrics. A request is
// handled from start to end on one pool thread, so these need no lock.
thread_local std::string current_route;
thread_local Clock::time_point request_started;

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, status, {{"message", message}});
}

const char* status_message(int status) {
  switch (status) {
    case 400:
      return "bad request";
    case 404:
      return "not found";
    case 405:
      return "method not allowed";
    case 413:
      return "request body too large";
    case 414:
      return "request URI too long";
    case 431:
      return "request header fields too large";
    case 503:
      return "service unavailable";
    default:
      return "error";
  }
}

}  // namespace

struct HttpApi::Impl {
  Impl(HttpServices s, HttpOptions o) : services(std::move(s)), options(std::move(o)) {}

  HttpServices services;
  HttpOptions options;
  BufferedServer server;
  socket_t listening_socket = INVALID_SOCKET;

  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  // Runs a route's handler, turning every error into a JSON answer: the client's mistakes are
  // 4xx, an unreachable database or an unwinnable race 503, and only a bug 500.
  Handler route(std::string name, Handler handler) {
    return [name = std::move(name), handler = std::move(handler)](const httplib::Request& req,
                                                                  httplib::Response& res) {
      current_route = name;
      try {
        handler(req, res);
      } catch (const service_layer::InvalidSku& error) {
        send_error(res, 400, error.what());
      } catch (const domain::BatchConflict& error) {
        send_error(res, 409, error.what());
      } catch (const domain::UnknownBatch& error) {
        send_error(res, 404, error.what());
      } catch (const std::invalid_argument& error) {  // BadRequest, and the domain's own checks
        send_error(res, 400, error.what());
      } catch (const service_layer::ConcurrencyError& error) {
        spdlog::warn("{}: gave up after repeated conflicts: {}", name, error.what());
        send_error(res, 503, "too many concurrent changes of this product, try again");
      } catch (const service_layer::Unavailable& error) {
        spdlog::warn("{}: {}", name, error.what());
        send_error(res, 503, "database unavailable, try again later");
      } catch (const std::exception& error) {
        spdlog::error("{}: {}", name, error.what());
        send_error(res, 500, "internal error");
      }
    };
  }

  // The other methods of a known path answer 405 with the allowed one.
  void only(const std::string& pattern, const char* allowed) {
    auto refuse = [allowed](const httplib::Request&, httplib::Response& res) {
      res.set_header("Allow", allowed);
      send_error(res, 405, std::string("method not allowed; use ") + allowed);
    };
    const std::string method = allowed;
    if (method != "GET") server.Get(pattern, refuse);
    if (method != "POST") server.Post(pattern, refuse);
    server.Put(pattern, refuse);
    server.Patch(pattern, refuse);
    server.Delete(pattern, refuse);
  }

  void add_routes() {
    server.Post("/add_batch", route("/add_batch", [this](const auto& req, auto& res) {
                  const auto command = decode_create_batch(req.body);
                  services.bus.handle(command);
                  send_json(res, 201, {{"ref", command.ref}});
                }));
    only("/add_batch", "POST");

    server.Post("/allocate", route("/allocate", [this](const auto& req, auto& res) {
                  const auto batchref = services.bus.handle(decode_allocate(req.body));
                  send_json(res, 202, {{"batchref", batchref ? json(*batchref) : json(nullptr)}});
                }));
    only("/allocate", "POST");

    server.Post("/change_batch_quantity",
                route("/change_batch_quantity", [this](const auto& req, auto& res) {
                  const auto command = decode_change_batch_quantity(req.body);
                  services.bus.handle(command);
                  send_json(res, 200, {{"ref", command.ref}, {"qty", command.qty}});
                }));
    only("/change_batch_quantity", "POST");

    const std::string allocations = R"(/allocations/([^/]+))";
    server.Get(allocations, route("/allocations/{orderid}", [this](const auto& req, auto& res) {
                 const std::string orderid = req.matches[1];
                 check_identifier(orderid, "orderid");
                 const auto rows = services.read_model.allocations(orderid);
                 if (rows.empty())
                   return send_error(res, 404, "no allocation for order " + orderid);
                 json body = json::array();
                 for (const auto& row : rows)
                   body.push_back({{"sku", row.sku}, {"batchref", row.batchref}});
                 send_json(res, 200, body);
               }));
    only(allocations, "GET");

    const std::string products = R"(/products/([^/]+))";
    server.Get(
        products, route("/products/{sku}", [this](const auto& req, auto& res) {
          const std::string sku = req.matches[1];
          check_identifier(sku, "sku");
          auto uow = services.unit_of_work();
          const auto view = service_layer::views::product(sku, *uow);
          if (!view) return send_error(res, 404, "unknown sku " + sku);
          json batches = json::array();
          for (const auto& b : view->batches) {
            batches.push_back({{"ref", b.reference},
                               {"eta", b.eta ? json(domain::format_date(*b.eta)) : json(nullptr)},
                               {"purchased", b.purchased},
                               {"allocated", b.allocated},
                               {"available", b.available}});
          }
          send_json(res, 200,
                    {{"sku", view->sku}, {"version", view->version}, {"batches", batches}});
        }));
    only(products, "GET");

    server.Get("/health", route("/health", [this](const auto&, auto& res) {
                 services.check_health();
                 send_json(res, 200, {{"status", "ok"}});
               }));
    only("/health", "GET");

    server.Get("/metrics", route("/metrics", [this](const auto&, auto& res) {
                 res.set_content(services.metrics.render(), "text/plain; version=0.0.4");
               }));
    only("/metrics", "GET");

    server.Get("/openapi.json", route("/openapi.json", [](const auto&, auto& res) {
                 res.set_content(std::string(kOpenApiDocument), "application/json");
               }));
    only("/openapi.json", "GET");
  }

  void configure() {
    const int threads = options.threads;
    server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server.set_payload_max_length(options.max_body_bytes);
    // The library's default adds SO_REUSEPORT, which lets a second server start on a port in
    // use and silently share its traffic: an operator's mistake must fail instead.
    // TCP_NODELAY: a response goes out at once instead of waiting for the client's delayed
    // ACK (40 ms per request on a keep-alive connection otherwise). Accepted sockets inherit it.
    server.set_tcp_nodelay(true);
    server.set_socket_options([this](socket_t sock) {
      const int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
      ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
      listening_socket = sock;
    });
    server.set_read_timeout(options.read_timeout);
    server.set_write_timeout(options.write_timeout);
    server.set_keep_alive_timeout(options.keep_alive_timeout.count());
    server.set_keep_alive_max_count(100'000);
    server.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
      current_route = "unmatched";
      request_started = Clock::now();
      return httplib::Server::HandlerResponse::Unhandled;
    });
    // Every answer >= 400 that has no body yet (the library's own 404, 413, ...) gets one.
    server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (res.body.empty()) send_error(res, res.status, status_message(res.status));
    });
    server.set_logger([this](const httplib::Request&, const httplib::Response& res) {
      const double seconds =
          request_started == Clock::time_point{}
              ? 0.0
              : std::chrono::duration<double>(Clock::now() - request_started).count();
      services.metrics.count_request(current_route.empty() ? "unmatched" : current_route,
                                     res.status, seconds);
      current_route.clear();
      request_started = {};
    });
    add_routes();
  }
};

HttpApi::HttpApi(HttpServices services, HttpOptions options)
    : impl_(std::make_unique<Impl>(std::move(services), std::move(options))) {
  impl_->configure();
}

HttpApi::~HttpApi() = default;

int HttpApi::bind() {
  const auto& o = impl_->options;
  int port = o.port;
  if (o.port == 0) {
    port = impl_->server.bind_to_any_port(o.host);
    if (port < 0) throw std::runtime_error("cannot listen on " + o.host);
  } else if (!impl_->server.bind_to_port(o.host, o.port)) {
    throw std::runtime_error("cannot listen on " + o.host + ":" + std::to_string(o.port));
  }
  // cpp-httplib listens with a backlog of 5: connections opened at once beyond that wait for a
  // SYN retransmit (1 s and more). Listening again on the socket raises the backlog (Linux).
  ::listen(impl_->listening_socket, SOMAXCONN);
  return port;
}

void HttpApi::serve() { impl_->server.listen_after_bind(); }

void HttpApi::stop() { impl_->server.stop(); }

}  // namespace allocation::entrypoints
