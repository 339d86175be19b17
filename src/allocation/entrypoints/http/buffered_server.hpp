#pragma once

#include <httplib.h>

namespace allocation::entrypoints {

// cpp-httplib's server with one difference in how it talks to a connection: a response goes
// out in one send() instead of two (status and headers, then body), and a request costs a
// recv() and a poll() instead of about ten system calls (a poll before every read and write, a
// liveness poll before every write, and getpeername/getsockname on every request). Profiling
// GET /allocations under load put 44% of the CPU in the kernel. With TCP_NODELAY, the two
// sends were also two TCP segments for the client to read.
//
// Everything else (parsing, routing, keep-alive limits, timeouts, stop()) is the library's:
// this only replaces the per-connection loop and the stream it reads and writes.
class BufferedServer : public httplib::Server {
 private:
  bool process_and_close_socket(socket_t sock) override;
  // Waits until `sock` has a request to read: false after the keep-alive timeout, on a
  // closed connection, or once the server is stopped.
  bool wait_for_request(socket_t sock) const;
};

}  // namespace allocation::entrypoints
