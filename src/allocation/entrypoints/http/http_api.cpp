#include "allocation/entrypoints/http/http_api.hpp"

#include <httplib.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <strings.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "allocation/adapters/crash_point.hpp"
#include "allocation/adapters/logging/log_fields.hpp"
#include "allocation/bootstrap/build_info.hpp"
#include "allocation/domain/allocation_order.hpp"
#include "allocation/domain/errors.hpp"
#include "allocation/entrypoints/decoding.hpp"
#include "allocation/entrypoints/http/buffered_server.hpp"
#include "allocation/entrypoints/http/client_ids.hpp"
#include "allocation/entrypoints/http/console_assets.hpp"
#include "allocation/entrypoints/http/media_type.hpp"
#include "allocation/entrypoints/http/openapi.hpp"
#include "allocation/entrypoints/http/request_fingerprint.hpp"
#include "allocation/entrypoints/http/router.hpp"
#include "allocation/service_layer/errors.hpp"
#include "allocation/service_layer/idempotency.hpp"

namespace allocation::entrypoints {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// How long an event stream stays silent at most: a comment then keeps proxies from closing it,
// and tells the server whether its client is still there.
constexpr std::chrono::seconds kEventStreamKeepAlive{15};

// More header fields than any client of this API sends; each costs memory until answered.
constexpr std::size_t kMaxHeaderFields = 100;
// The fields cpp-httplib adds to every request (REMOTE_ADDR, REMOTE_PORT, LOCAL_ADDR,
// LOCAL_PORT), which the client did not send.
constexpr std::size_t kAddedHeaderFields = 4;

// The fields that say whether a body follows, how, and what it is, and the request's
// idempotency key, found in one pass over the request's fields. cpp-httplib finds a field by name
// comparing names through tolower() per character, and the dozen lookups these answers made cost an
// allocation about 4% of its instructions (callgrind, docs/performance.md). Each points into the
// request's fields.
struct HeadFields {
  const std::string* transfer_encoding = nullptr;  // the first, if any
  int transfer_encodings = 0;
  const std::string* content_length = nullptr;  // the first, if any
  int content_lengths = 0;
  const std::string* content_type = nullptr;
  const std::string* idempotency_key = nullptr;  // the first, if any

  // Whether the request comes with a body (RFC 9112 6.3: without Content-Length or
  // Transfer-Encoding it has none). Any Transfer-Encoding but chunked is refused first.
  bool declares_body() const {
    return transfer_encoding != nullptr ||
           (content_length != nullptr &&
            content_length->find_first_not_of('0') != std::string::npos);
  }
};

bool is_field(const std::string& name, std::string_view wanted) {
  return name.size() == wanted.size() &&
         ::strncasecmp(name.data(), wanted.data(), wanted.size()) == 0;
}

HeadFields head_fields(const httplib::Request& req) {
  HeadFields found;
  // Fields of one name are neighbours, in the order received: the first met is the first sent.
  for (const auto& [name, value] : req.headers) {
    if (is_field(name, "Transfer-Encoding")) {
      if (found.transfer_encodings++ == 0) found.transfer_encoding = &value;
    } else if (is_field(name, "Content-Length")) {
      if (found.content_lengths++ == 0) found.content_length = &value;
    } else if (is_field(name, "Content-Type") && !found.content_type) {
      found.content_type = &value;
    } else if (is_field(name, "Idempotency-Key") && !found.idempotency_key) {
      found.idempotency_key = &value;
    }
  }
  return found;
}

// A request id of the service's own: 16 hex digits.
std::string new_request_id(service_layer::RandomSource& random) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(16, '0');
  for (int half = 0; half < 2; ++half) {
    auto bits = static_cast<std::uint32_t>(random.uniform(0, 0xffffffff));
    for (int i = 0; i < 8; ++i, bits >>= 4) id[half * 8 + i] = kHex[bits & 0xf];
  }
  return id;
}

// The request's id: the one it came with when usable, else a new one.
std::string request_id(const httplib::Request& req, service_layer::RandomSource& random) {
  for (const auto& [name, value] : req.headers) {
    if (is_field(name, "X-Request-Id") && is_usable_request_id(value)) return value;
  }
  return new_request_id(random);
}

// The line of one request at info (SPEC §8), with its figures as members of the JSON line.
void log_request(const httplib::Request& req, int status, double seconds) {
  if (!spdlog::should_log(spdlog::level::info)) return;
  const std::string_view method = req.method.empty() ? "-" : std::string_view(req.method);
  const std::string_view target = std::string_view(req.target).substr(0, 200);
  const double ms = std::round(seconds * 1e6) / 1000;  // to the microsecond
  const adapters::logging::LogField fields[] = {
      {"method", method}, {"path", target}, {"status", status}, {"ms", ms}};
  const adapters::logging::ScopedLogFields scope(fields);
  spdlog::info("{} {} {} {:.2f} ms", method, target.empty() ? "-" : target, status, ms);
}

// The request being served: when it started, and its route and parameters once matched. A
// request is handled from start to end on one pool thread, so these need no lock.
struct Exchange {
  Clock::time_point started;
  const Route* route = nullptr;
  std::vector<std::string> parameters;
  HeadFields head;  // once the head is read (answer_early)
};
thread_local Exchange current;

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, status, {{"message", message}});
}

// What a route that changes something answers: a status, and a JSON body unless it is null.
struct Answer {
  int status;
  json body = nullptr;
};

// The answer as sent, and as recorded under an idempotency key to be sent again: its JSON
// written out once, either way.
service_layer::RecordedAnswer recorded(const Answer& answer) {
  return {answer.status, answer.body.is_null()
                             ? std::string()
                             : answer.body.dump(-1, ' ', false, json::error_handler_t::replace)};
}

void send_answer(httplib::Response& res, service_layer::RecordedAnswer answer) {
  res.status = answer.status;
  if (!answer.body.empty()) res.set_content(std::move(answer.body), "application/json");
}

json released_json(const std::vector<domain::events::Released>& released) {
  json parts = json::array();
  for (const auto& part : released) {
    parts.push_back(
        {{"batchref", part.batchref ? json(*part.batchref) : json(nullptr)}, {"qty", part.qty}});
  }
  return {{"released", parts}};
}

const char* status_message(int status) {
  switch (status) {
    case 400:
      return "bad request";
    case 404:
      return "not found";
    case 408:
      return "the request did not arrive in time";
    case 414:
      return "request URI too long";
    case 431:
      return "request header fields too large";
    default:
      return "error";
  }
}

// The connection closes after this response: the request's body, or what is left of it, is
// unread, and would be taken for the next request.
void close_after(httplib::Response& res) {
  BufferedServer::close_connection_after_response();
  res.set_header("Connection", "close");
}

// The request target's path, as sent: before percent-decoding, without the query.
std::string_view raw_path(const httplib::Request& req) {
  const std::string_view target = req.target;
  return target.substr(0, target.find('?'));
}

bool takes_body(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

// The methods that change something, and so honour an Idempotency-Key (SPEC §8).
bool mutates(const std::string& method) { return takes_body(method) || method == "DELETE"; }

std::string body_too_large(std::size_t max_body_bytes) {
  return "request body too large: at most " + std::to_string(max_body_bytes) + " bytes";
}

// Why the request's body is refused before it is read, if it is: {status, message}.
std::optional<std::pair<int, std::string>> body_refusal(const httplib::Request& req,
                                                        const HeadFields& fields,
                                                        std::size_t max_body_bytes) {
  if (fields.transfer_encoding) {
    const std::string& encoding = *fields.transfer_encoding;
    if (fields.transfer_encodings != 1 || ::strcasecmp(encoding.c_str(), "chunked") != 0) {
      return {{400,
               "unsupported Transfer-Encoding '" + encoding + "': send chunked or Content-Length"}};
    }
  }
  if (fields.content_length) {
    const std::string& length = *fields.content_length;
    if (length.empty() || length.size() > 19 || fields.content_lengths != 1 ||
        length.find_first_not_of("0123456789") != std::string::npos) {
      return {{400, "malformed Content-Length '" + length + "'"}};
    }
    if (std::stoull(length) > max_body_bytes) {
      return {{413, body_too_large(max_body_bytes)}};
    }
  }
  if (takes_body(req.method) && fields.declares_body() && fields.content_type &&
      !is_json_media_type(*fields.content_type)) {
    return {
        {415, "unsupported Content-Type '" + *fields.content_type + "': send application/json"}};
  }
  return std::nullopt;
}

// The value of the query parameter `name` (its first, when it is given more than once), or
// nullopt when it is absent.
std::optional<std::string_view> query_parameter(const Call& call, const char* name) {
  if (!call.request.has_param(name)) return std::nullopt;
  const auto range = call.request.params.equal_range(name);
  return std::string_view(range.first->second);
}

json movements_json(const service_layer::MovementPage& page) {
  json movements = json::array();
  for (const auto& m : page.movements) {
    json movement = {{"seq", m.seq},           {"at", m.at},     {"sku", m.sku},
                     {"batchref", m.batchref}, {"kind", m.kind}, {"qty", m.qty}};
    if (m.orderid) movement["orderid"] = *m.orderid;
    if (m.reason) movement["reason"] = *m.reason;
    if (m.reservation) movement["reservation"] = *m.reservation;
    movements.push_back(std::move(movement));
  }
  return {{"movements", std::move(movements)},
          {"next", page.next ? json(*page.next) : json(nullptr)}};
}

json hold_json(const domain::Hold& hold) {
  return {{"id", hold.id()},
          {"sku", hold.sku()},
          {"qty", hold.qty()},
          {"batchref", hold.batchref()},
          {"expires_at", domain::format_instant(hold.expires_at())}};
}

json date_json(const std::optional<domain::Date>& date) {
  return date ? json(domain::format_date(*date)) : json(nullptr);
}

json batch_json(const service_layer::BatchStock& b) {
  return {{"ref", b.reference},       {"eta", date_json(b.eta)},
          {"warehouse", b.warehouse}, {"expires", date_json(b.expires)},
          {"purchased", b.purchased}, {"allocated", b.allocated},
          {"reserved", b.reserved},   {"available", b.available}};
}

// A product's stock states (SPEC §6) and policy (§7.2); its batches only when asked, as a
// page of the list leaves them out.
json product_json(const service_layer::ProductStock& p, bool with_batches) {
  json product = {{"sku", p.sku},
                  {"version", p.version},
                  {"on_hand", p.on_hand},
                  {"incoming", p.incoming},
                  {"allocated", p.allocated},
                  {"reserved", p.reserved},
                  {"available", p.available},
                  {"backordered", p.backordered},
                  {"backorders", p.backorders},
                  {"low_stock_threshold",
                   p.low_stock_threshold ? json(*p.low_stock_threshold) : json(nullptr)}};
  if (with_batches) {
    json batches = json::array();
    for (const auto& b : p.batches) batches.push_back(batch_json(b));
    product["batches"] = std::move(batches);
  }
  return product;
}

// The body of GET /events: the subscription's frames as they come, until the subscriber falls
// too far behind, the client goes away or the server stops (the library stops asking for more).
httplib::ContentProviderWithoutLength event_stream(
    std::shared_ptr<adapters::ServerSentEvents::Subscription> subscription) {
  return [subscription, opened = false, written = Clock::now()](std::size_t,
                                                                httplib::DataSink& sink) mutable {
    std::string text;
    if (!opened) {
      // At once, so that the client knows the stream is open; and how soon to come back.
      text = "retry: 1000\n\n";
      opened = true;
    } else {
      // Back within a second without news, so that a stopping server is not held up.
      auto frames = subscription->next(std::chrono::seconds(1));
      if (!frames) {
        sink.done();  // fell behind: the client connects again and reads afresh
        return true;
      }
      text = std::move(*frames);
      if (text.empty()) {
        // A client that went away frees its stream within a second, not at the next write.
        if (BufferedServer::client_closed()) return false;
        if (Clock::now() - written < kEventStreamKeepAlive) return true;
        text = ": keep-alive\n\n";  // also finds a client that went away
      }
    }
    written = Clock::now();
    return sink.write(text.data(), text.size()) && BufferedServer::send_written();
  };
}

}  // namespace

struct HttpApi::Impl {
  explicit Impl(HttpOptions o) : options(std::move(o)) {}

  HttpOptions options;
  BufferedServer server;
  Router router;
  std::optional<HttpServices> services;  // set by serve(), before the first request
  socket_t listening_socket = INVALID_SOCKET;
  int port = 0;

  // Runs a route's handler, turning every error into a JSON answer: the client's mistakes are
  // 4xx, an unreachable database or an unwinnable race 503, and only a bug 500.
  static void run(const RouteHandler& handler, const Call& call, httplib::Response& res) {
    const std::string& name = current.route->path.text();
    try {
      handler(call, res);
    } catch (const service_layer::InvalidSku& error) {
      send_error(res, 400, error.what());
    } catch (const service_layer::InvalidReference& error) {
      send_error(res, 400, error.what());
    } catch (const domain::HoldExpired& error) {
      send_error(res, 410, error.what());
    } catch (const domain::UnknownHold& error) {
      send_error(res, 404, error.what());
    } catch (const domain::Conflict& error) {
      send_error(res, 409, error.what());
    } catch (const domain::UnknownBatch& error) {
      send_error(res, 404, error.what());
    } catch (const service_layer::NotFound& error) {
      send_error(res, 404, error.what());
    } catch (const service_layer::IdempotencyKeyReused& error) {
      send_error(res, 422, error.what());
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
  }

  // Hands the command to the bus and answers what `render` makes of its result (of nothing, for a
  // command without one). With an Idempotency-Key, at most once per key (SPEC §8): a retry is
  // answered as the first time, saying Idempotent-Replayed.
  template <class C, class Render>
  void perform(const Call& call, httplib::Response& res, const C& command,
               const Render& render) const {
    const std::string* key = current.head.idempotency_key;
    if (!key) {
      if constexpr (std::is_void_v<service_layer::CommandResultT<C>>) {
        services->bus.handle(command);
        send_answer(res, recorded(render()));
      } else {
        send_answer(res, recorded(render(services->bus.handle(command))));
      }
      return;
    }
    const service_layer::KeyedRequest request{
        *key, request_fingerprint(call.request.method, call.request.target, call.body),
        service_layer::instant_now(services->clock)};
    auto keyed = services->bus.handle_once(
        command, request, [&](const auto&... result) { return recorded(render(result...)); });
    // Where a test has the process die with the work and its answer committed, unsent.
    adapters::crash_point("keyed_request_done");
    if (keyed.replayed) res.set_header("Idempotent-Replayed", "true");
    send_answer(res, std::move(keyed.answer));
  }

  // Once the head is read: finds the route on the path as sent, and hands the library the
  // route's template as the path, which its catch-all patterns below always match.
  void match_route(httplib::Request& req) {
    current = {};
    current.started = Clock::now();
    adapters::logging::set_log_context("request_id", request_id(req, services->random));
    if (auto match = router.match(raw_path(req))) {
      current.route = &match->route;
      current.parameters = std::move(match->parameters);
      req.path = current.route->path.text();
    }
  }

  // Before any body is read: refuses what can be refused from the head alone (route, method,
  // framing, media type), so that a wrong request never costs its body.
  httplib::Server::HandlerResponse answer_early(const httplib::Request& req,
                                                httplib::Response& res) {
    std::optional<std::pair<int, std::string>> refusal;
    res.set_header("X-Request-Id", std::string(adapters::logging::log_context()->value));
    current.head = head_fields(req);
    if (req.headers.size() > kMaxHeaderFields + kAddedHeaderFields) {
      refusal = {431, "too many header fields: at most " + std::to_string(kMaxHeaderFields)};
    } else if (!current.route) {
      refusal = {404, "not found: no route for " + std::string(raw_path(req).substr(0, 200))};
    } else if (!current.route->handler(req.method)) {
      res.set_header("Allow", current.route->allow());
      refusal = {405, "method not allowed; use " + current.route->allow()};
    } else if (current.head.idempotency_key && mutates(req.method) &&
               !is_usable_idempotency_key(*current.head.idempotency_key)) {
      refusal = {400, "Idempotency-Key must be 1 to " + std::to_string(kMaxIdempotencyKeyLength) +
                          " printable ASCII characters"};
    } else {
      refusal = body_refusal(req, current.head, options.max_body_bytes);
    }
    if (!refusal) return httplib::Server::HandlerResponse::Unhandled;
    send_error(res, refusal->first, refusal->second);
    if (current.head.declares_body()) close_after(res);
    return httplib::Server::HandlerResponse::Handled;
  }

  // The library's handler of every request answer_early() let through.
  void dispatch(const httplib::Request& req, httplib::Response& res,
                const httplib::ContentReader* reader) {
    std::string body;
    if (reader && current.head.declares_body()) {
      if (!read_body(*reader, body, res)) return;
    } else if (current.head.declares_body()) {
      close_after(res);  // a GET's body: never read
    }
    run(*current.route->handler(req.method), Call{req, current.parameters, body}, res);
  }

  // Reads the body up to the limit, however it is sent; false, with the error answered, when
  // it is larger, malformed, or late.
  bool read_body(const httplib::ContentReader& reader, std::string& body,
                 httplib::Response& res) const {
    bool too_large = false;
    const bool complete = reader([&](const char* data, std::size_t size) {
      too_large = body.size() + size > options.max_body_bytes;
      if (!too_large) body.append(data, size);
      return !too_large;
    });
    if (complete) return true;
    close_after(res);
    if (too_large) {
      send_error(res, 413, body_too_large(options.max_body_bytes));
    } else if (BufferedServer::read_failure_status() == 408) {
      send_error(res, 408, status_message(408));
    } else {
      send_error(res, 400, "the request body was cut short, or its chunked encoding is malformed");
    }
    return false;
  }

  // The service's date (UTC): what an expiry date is compared with.
  domain::Date today() const {
    return domain::date_of(service_layer::instant_now(services->clock));
  }

  void add_routes() {
    router.add("/add_batch", "POST", [this](const Call& call, httplib::Response& res) {
      const auto command = decode_create_batch(call.body);
      perform(call, res, command, [&](bool) { return Answer{201, {{"ref", command.ref}}}; });
    });

    router.add("/allocate", "POST", [this](const Call& call, httplib::Response& res) {
      const auto command = decode_allocate(call.body);
      perform(call, res, command, [&](const service_layer::Allocation& allocation) {
        json body = {
            {"batchref", allocation.batchref ? json(*allocation.batchref) : json(nullptr)}};
        // Part one's answer stays as it was; a line that waits says so, and one allocated with
        // split (or split before: a retry) lists its parts.
        if (allocation.backordered) body["backordered"] = true;
        if (allocation.batchref && (command.split || allocation.parts.size() > 1)) {
          body["allocations"] = json::array();
          for (const auto& part : allocation.parts) {
            body["allocations"].push_back({{"batchref", part.batchref}, {"qty", part.qty}});
          }
        }
        return Answer{202, std::move(body)};
      });
    });

    router.add("/deallocate", "POST", [this](const Call& call, httplib::Response& res) {
      perform(call, res, decode_deallocate(call.body), [](const auto& released) {
        return Answer{200, released_json(released)};
      });
    });

    router.add(
        "/orders/{orderid}/cancel", "POST", [this](const Call& call, httplib::Response& res) {
          const std::string& orderid = call.parameters[0];
          check_identifier(orderid, "orderid");
          perform(call, res, domain::commands::CancelOrder{orderid}, [](const auto& released) {
            return Answer{200, released_json(released)};
          });
        });

    router.add("/orders/{orderid}", "GET", [this](const Call& call, httplib::Response& res) {
      const std::string& orderid = call.parameters[0];
      check_identifier(orderid, "orderid");
      const auto lines = services->order_lines.of_order(orderid);
      if (lines.empty()) return send_error(res, 404, "no order " + orderid);
      json body = json::array();
      for (const auto& line : lines) {
        json parts = json::array();
        for (const auto& part : line.allocations) {
          parts.push_back({{"batchref", part.batchref}, {"qty", part.qty}});
        }
        body.push_back({{"sku", line.sku},
                        {"qty", line.qty},
                        {"status", service_layer::status_name(line.status)},
                        {"allocations", parts}});
      }
      send_json(res, 200, {{"orderid", orderid}, {"lines", body}});
    });

    router.add("/change_batch_quantity", "POST", [this](const Call& call, httplib::Response& res) {
      const auto command = decode_change_batch_quantity(call.body);
      perform(call, res, command, [&](bool) {
        return Answer{200, {{"ref", command.ref}, {"qty", command.qty}}};
      });
    });

    router.add("/allocations/{orderid}", "GET", [this](const Call& call, httplib::Response& res) {
      const std::string& orderid = call.parameters[0];
      check_identifier(orderid, "orderid");
      const auto rows = services->read_model.allocations(orderid);
      if (rows.empty()) return send_error(res, 404, "no allocation for order " + orderid);
      json body = json::array();
      for (const auto& row : rows) body.push_back({{"sku", row.sku}, {"batchref", row.batchref}});
      send_json(res, 200, body);
    });

    router.add("/products", "GET", [this](const Call& call, httplib::Response& res) {
      const auto query =
          decode_products_query(query_parameter(call, "after"), query_parameter(call, "limit"));
      const auto page = services->stock_states.products(query.after, query.limit, today());
      json products = json::array();
      for (const auto& product : page.products) products.push_back(product_json(product, false));
      send_json(res, 200,
                {{"products", std::move(products)},
                 {"next", page.next ? json(*page.next) : json(nullptr)}});
    });

    router.add("/products/{sku}", "GET", [this](const Call& call, httplib::Response& res) {
      const std::string& sku = call.parameters[0];
      check_identifier(sku, "sku");
      const auto product = services->stock_states.product(sku, today());
      if (!product) return send_error(res, 404, "unknown sku " + sku);
      send_json(res, 200, product_json(*product, true));
    });

    router.add("/batches/{ref}", "GET", [this](const Call& call, httplib::Response& res) {
      const std::string& ref = call.parameters[0];
      check_identifier(ref, "ref");
      const auto batch = services->stock_states.batch(ref);
      if (!batch) return send_error(res, 404, "unknown batch " + ref);
      json body = batch_json(*batch);
      body["sku"] = batch->sku;
      send_json(res, 200, body);
    });

    router.add("/products/{sku}", "PATCH", [this](const Call& call, httplib::Response& res) {
      std::string sku = call.parameters[0];
      check_identifier(sku, "sku");
      perform(call, res, decode_set_product_policy(sku, call.body),
              [&](const domain::ProductPolicy& policy) {
                return Answer{200,
                              {{"sku", sku},
                               {"backorders", policy.backorders},
                               {"low_stock_threshold", policy.low_stock_threshold
                                                           ? json(*policy.low_stock_threshold)
                                                           : json(nullptr)}}};
              });
    });

    router.add("/warehouses/{id}", "PUT", [this](const Call& call, httplib::Response& res) {
      std::string id = call.parameters[0];
      check_identifier(id, "id");
      const auto command = decode_set_warehouse_priority(id, call.body);
      perform(call, res, command, [&] {
        return Answer{200, {{"id", command.warehouse}, {"priority", command.priority}}};
      });
    });

    router.add("/warehouses", "GET", [this](const Call&, httplib::Response& res) {
      json warehouses = json::array();
      for (const auto& w : services->warehouses.list()) {
        warehouses.push_back(
            {{"id", w.id}, {"priority", w.priority}, {"configured", w.configured}});
      }
      send_json(res, 200, {{"warehouses", std::move(warehouses)}});
    });

    router.add("/products/{sku}/movements", "GET",
               [this](const Call& call, httplib::Response& res) {
                 const std::string& sku = call.parameters[0];
                 check_identifier(sku, "sku");
                 const auto query = decode_movements_query(query_parameter(call, "after"),
                                                           query_parameter(call, "limit"));
                 const auto page = services->stock_ledger.movements(sku, query.after, query.limit);
                 if (!page) return send_error(res, 404, "unknown sku " + sku);
                 send_json(res, 200, movements_json(*page));
               });

    router.add("/reservations", "POST", [this](const Call& call, httplib::Response& res) {
      perform(call, res, decode_reserve(call.body),
              [](const domain::Product::Reservation& reservation) {
                return Answer{reservation.created ? 201 : 200, hold_json(reservation.hold)};
              });
    });

    router.add("/reservations/{id}", "GET", [this](const Call& call, httplib::Response& res) {
      const std::string& id = call.parameters[0];
      check_identifier(id, "id");
      const auto hold = service_layer::live_hold(services->reservations.find(id), id,
                                                 service_layer::instant_now(services->clock));
      send_json(res, 200,
                {{"id", hold.id},
                 {"sku", hold.sku},
                 {"qty", hold.qty},
                 {"batchref", hold.batchref},
                 {"expires_at", domain::format_instant(hold.expires_at)}});
    });

    router.add("/reservations/{id}/extend", "POST",
               [this](const Call& call, httplib::Response& res) {
                 std::string id = call.parameters[0];
                 check_identifier(id, "id");
                 perform(call, res, decode_extend_reservation(std::move(id), call.body),
                         [](const domain::Hold& hold) {
                           return Answer{200, hold_json(hold)};
                         });
               });

    router.add("/reservations/{id}", "DELETE", [this](const Call& call, httplib::Response& res) {
      const std::string& id = call.parameters[0];
      check_identifier(id, "id");
      perform(call, res, domain::commands::ReleaseReservation{id},
              [](const auto&) { return Answer{204}; });
    });

    router.add("/health", "GET", [this](const Call&, httplib::Response& res) {
      services->check_health();
      send_json(res, 200, {{"status", "ok"}});
    });

    // The process answers: it touches nothing else (a liveness probe that failed with the
    // database would restart healthy processes during an outage).
    router.add("/health/live", "GET", [](const Call&, httplib::Response& res) {
      send_json(res, 200, {{"status", "ok"}});
    });

    router.add("/health/ready", "GET", [this](const Call&, httplib::Response& res) {
      const auto answer = readiness(services->readiness);
      send_json(res, answer.status, answer.body);
    });

    router.add("/version", "GET", [](const Call&, httplib::Response& res) {
      const auto build = bootstrap::build_info();
      send_json(res, 200,
                {{"version", build.version},
                 {"compiler", build.compiler},
                 {"build_type", build.build_type}});
    });

    router.add("/metrics", "GET", [this](const Call&, httplib::Response& res) {
      res.set_content(services->metrics.render(), "text/plain; version=0.0.4");
    });

    router.add("/openapi.json", "GET", [](const Call&, httplib::Response& res) {
      res.set_content(std::string(kOpenApiDocument), "application/json");
    });

    // The operator console (SPEC §8): a page and its two files, over this API and /events.
    for (const ConsoleAsset& asset : kConsoleAssets) {
      router.add(std::string(asset.path), "GET", [&asset](const Call&, httplib::Response& res) {
        res.set_header("Cache-Control", "no-cache");
        res.set_content(asset.body.data(), asset.body.size(), std::string(asset.content_type));
      });
    }

    // Server-Sent Events of what this process commits (SPEC §8), until the client goes away, the
    // server stops, or the client falls too far behind (adapters/event_stream/).
    router.add("/events", "GET", [this](const Call&, httplib::Response& res) {
      std::shared_ptr subscription = services->events.subscribe();
      if (!subscription) {
        return send_error(res, 503, "too many event streams open at once; try again later");
      }
      res.set_header("Cache-Control", "no-store");
      res.set_chunked_content_provider("text/event-stream", event_stream(std::move(subscription)));
    });
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

    // The routing is the Router's: the library parses, reads bodies and writes answers.
    server.set_request_setup([this](httplib::Request& req) { match_route(req); });
    server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      return answer_early(req, res);
    });
    server.Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
      dispatch(req, res, nullptr);
    });
    const auto with_body = [this](const httplib::Request& req, httplib::Response& res,
                                  const httplib::ContentReader& reader) {
      dispatch(req, res, &reader);
    };
    server.Post(".*", with_body);
    server.Put(".*", with_body);
    server.Patch(".*", with_body);
    server.Delete(".*", with_body);

    // Every answer >= 400 that has no body yet (the library's own 400, 414, ...) gets one, and
    // the status that says why reading failed.
    server.set_error_handler([this](const httplib::Request&, httplib::Response& res) {
      // A request the library refused before its head was read has no id yet.
      if (!adapters::logging::log_context()) {
        adapters::logging::set_log_context("request_id", new_request_id(services->random));
      }
      if (!res.has_header("X-Request-Id")) {
        res.set_header("X-Request-Id", std::string(adapters::logging::log_context()->value));
      }
      if (const auto failure = BufferedServer::read_failure_status()) {
        if (res.status == 400) res.status = *failure;
        res.set_header("Connection", "close");  // the server closes after a failed read
      }
      if (res.body.empty()) send_error(res, res.status, status_message(res.status));
    });
    server.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      const double seconds =
          current.started == Clock::time_point{}
              ? 0.0
              : std::chrono::duration<double>(Clock::now() - current.started).count();
      if (services) {
        services->metrics.count_request(current.route ? current.route->path.text() : "unmatched",
                                        res.status, seconds);
      }
      log_request(req, res.status, seconds);
      current = {};
      adapters::logging::clear_log_context();
    });
    add_routes();
  }

  void bind() {
    errno = 0;
    if (options.port == 0) {
      port = server.bind_to_any_port(options.host);
    } else {
      port = server.bind_to_port(options.host, options.port) ? options.port : -1;
    }
    if (port < 0) {
      const int error = errno;
      throw std::runtime_error("cannot listen on " + options.host + ":" +
                               std::to_string(options.port) + ": " +
                               (error ? std::strerror(error) : "the address cannot be used"));
    }
    // cpp-httplib listens with a backlog of 5: connections opened at once beyond that wait for
    // a SYN retransmit (1 s and more). Listening again on the socket raises the backlog (Linux).
    ::listen(listening_socket, SOMAXCONN);
  }
};

HttpApi::HttpApi(HttpOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->configure();
  impl_->bind();
}

HttpApi::~HttpApi() = default;

int HttpApi::port() const { return impl_->port; }

void HttpApi::serve(HttpServices services) {
  impl_->services.emplace(std::move(services));
  impl_->server.listen_after_bind();
}

void HttpApi::stop() { impl_->server.stop(); }

}  // namespace allocation::entrypoints
