#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string_view>

// This class replaces cpp-httplib's connection loop and reads its protected members
// (keep_alive_*, read_timeout_*, svr_sock_, process_request), and the HTTP API relies on when
// the library calls its hooks (the setup hook after the head, the pre-routing handler before the
// body) and on what its ContentReader does at the limit. On an upgrade, check those against the
// new Server::process_and_close_socket, process_request and routing, run the e2e tests of
// http_connection_test.cpp and bad_input_test.cpp, then change the version here.
static_assert(std::string_view(CPPHTTPLIB_VERSION) == "0.11.4",
              "BufferedServer was written against cpp-httplib 0.11.4 (Debian 12): see above");

namespace allocation::entrypoints {

// cpp-httplib's server with one difference in how it talks to a connection: a response goes
// out in one send() instead of two (status and headers, then body), and a request costs a
// recv() and a poll() instead of about ten system calls (a poll before every read and write, a
// liveness poll before every write, and getpeername/getsockname on every request): under load
// those calls kept much of the CPU in the kernel (docs/performance.md). With TCP_NODELAY, the
// two sends were also two TCP segments for the client to read.
//
// It also bounds what one request may cost, which the library (0.11) does not: the request
// line and headers together are read up to `head_limit` bytes (beyond it the answer is 431),
// and a whole request must arrive within the read timeout (else 408), so neither endless
// headers nor a body trickled in byte by byte hold a thread and its memory for long.
//
// Everything else (parsing, routing, keep-alive limits, stop()) is the library's: this only
// replaces the per-connection loop and the stream it reads and writes.
class BufferedServer : public httplib::Server {
 public:
  // The request line and headers together: 32 KiB by default.
  void set_head_limit(std::size_t bytes) { head_limit_ = bytes; }

  // Runs for each request once its head is read, before routing: the library's own hook,
  // which it leaves to the connection loop.
  void set_request_setup(std::function<void(httplib::Request&)> setup) {
    setup_ = std::move(setup);
  }
  // Closes the current connection once its response is sent. A handler calls it when it
  // answers without reading the request's whole body: what is left of it would otherwise be
  // taken for the next request. Only from the thread serving the request.
  static void close_connection_after_response();
  // Why reading the current request failed, as the status to answer where the library can
  // only say 400: 431 when its head passed the limit, 408 when it did not arrive in time.
  // Only from the thread serving the request.
  static std::optional<int> read_failure_status();
  // Sends what the current response wrote so far, instead of at its end: for a response that
  // streams (GET /events). False when the connection failed. Only from the thread serving the
  // request.
  static bool send_written();
  // Whether the client of the current request closed its side of the connection (a peek, no
  // wait): for a response that streams while the client has nothing to send.
  static bool client_closed();

 private:
  bool process_and_close_socket(socket_t sock) override;
  // Waits until `sock` has a request to read: false after the keep-alive timeout, on a
  // closed connection, or once the server is stopped.
  bool wait_for_request(socket_t sock) const;

  std::size_t head_limit_ = 32 * 1024;
  std::function<void(httplib::Request&)> setup_;
};

}  // namespace allocation::entrypoints
