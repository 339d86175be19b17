#include <sys/time.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "e2e/e2e_test.hpp"

namespace allocation::testing {
namespace {

// How the server talks to one connection (entrypoints/http/buffered_server.hpp), over a raw
// socket: what an HTTP client library would hide.
class HttpConnection : public EndToEnd {
 protected:
  // A connection whose reads give up after `timeout`.
  int connect(std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) const {
    const int fd = connect_loopback(service->port());
    EXPECT_GE(fd, 0);
    timeval tv{timeout.count() / 1000, static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
  }

  static void send_all(int fd, const std::string& data) {
    ASSERT_EQ(::send(fd, data.data(), data.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(data.size()));
  }

  // Reads until `needle` has come `times` times, the connection closes, or the timeout.
  static std::string read_until(int fd, const std::string& needle, int times = 1) {
    std::string got;
    char buffer[4096];
    auto count = [&] {
      int n = 0;
      for (auto at = got.find(needle); at != std::string::npos; at = got.find(needle, at + 1)) ++n;
      return n;
    };
    while (count() < times) {
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      got.append(buffer, static_cast<std::size_t>(n));
    }
    return got;
  }
};

TEST_P(HttpConnection, RequestsSentTogetherOnOneConnectionAreAllAnswered) {
  const int fd = connect();
  const std::string health = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
  send_all(fd, health + health + "GET /allocations/none HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string got = read_until(fd, "HTTP/1.1 ", 3);
  ::close(fd);
  EXPECT_EQ(got.find("HTTP/1.1 200"), 0u) << got;
  EXPECT_NE(got.find("HTTP/1.1 200", 1), std::string::npos) << got;
  EXPECT_NE(got.find("HTTP/1.1 404"), std::string::npos) << got;
  EXPECT_NE(got.find("no allocation for order none"), std::string::npos) << got;
}

TEST_P(HttpConnection, ExpectContinueIsAnsweredBeforeTheBodyIsSent) {
  add_batch("b1", "LAMP", 10);
  const int fd = connect();
  const std::string body = R"({"orderid": "o1", "sku": "LAMP", "qty": 2})";
  send_all(fd,
           "POST /allocate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           "Expect: 100-continue\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n");
  EXPECT_NE(read_until(fd, "\r\n\r\n").find("HTTP/1.1 100 Continue"), std::string::npos)
      << "the server kept its interim answer while the client waits for it";
  send_all(fd, body);
  const std::string answer = read_until(fd, "\"batchref\"");
  ::close(fd);
  EXPECT_NE(answer.find("HTTP/1.1 202"), std::string::npos) << answer;
  EXPECT_EQ(get("/allocations/o1").status, 200);
}

TEST_P(HttpConnection, SigtermClosesIdleKeepAliveConnectionsAtOnce) {
  const int fd = connect(std::chrono::milliseconds(5000));
  send_all(fd, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_NE(read_until(fd, "\"ok\"").find("HTTP/1.1 200"), std::string::npos);
  // The connection is kept alive and idle; the keep-alive timeout is 5 s.
  const auto signalled = std::chrono::steady_clock::now();
  service->signal(SIGTERM);
  EXPECT_EQ(service->wait(), 0) << service->log();
  EXPECT_LT(std::chrono::steady_clock::now() - signalled, std::chrono::seconds(2));
  char byte;
  EXPECT_EQ(::recv(fd, &byte, 1, 0), 0) << "closed by the server";
  ::close(fd);
}

// A field of /proc/PID/status, in KiB: VmRSS now, VmHWM the peak since the process started.
long memory_kib(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with(field + ":")) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

// Sends `head`, then up to `body_bytes` in chunks of 64 KiB (chunked encoding when `chunked`)
// until the server stops taking them, and reads the answer.
std::string send_large_body(int fd, const std::string& head, std::size_t body_bytes, bool chunked) {
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  std::string piece(64 * 1024, ' ');
  if (chunked) piece = "10000\r\n" + piece + "\r\n";
  bool sending = ::send(fd, head.data(), head.size(), MSG_NOSIGNAL) > 0;
  for (std::size_t sent = 0; sending && sent < body_bytes; sent += 64 * 1024) {
    sending =
        ::send(fd, piece.data(), piece.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(piece.size());
  }
  std::string answer;
  char buffer[4096];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) answer.append(buffer, n);
  ::close(fd);
  return answer;
}

// The library (cpp-httplib 0.11) applies its body limit to Content-Length alone: a chunked
// 60 MiB body was accepted, and the process grew to 268 MB.
TEST_P(HttpConnection, ABodyOverTheLimitIs413HoweverItIsSentAndMemoryStaysBounded) {
  add_batch("b1", "LAMP", 10);
  const std::string post =
      "POST /allocate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
  for (const bool chunked : {true, false}) {
    SCOPED_TRACE(chunked ? "chunked" : "Content-Length");
    const long before = memory_kib(service->pid(), "VmRSS");
    const std::size_t body_bytes = 60 << 20;
    const std::string answer = send_large_body(
        connect(std::chrono::milliseconds(10'000)),
        post + (chunked ? "Transfer-Encoding: chunked\r\n\r\n"
                        : "Content-Length: " + std::to_string(body_bytes) + "\r\n\r\n"),
        body_bytes, chunked);
    EXPECT_EQ(answer.find("HTTP/1.1 413"), 0u) << answer.substr(0, 300);
    EXPECT_NE(answer.find("request body too large: at most 65536 bytes"), std::string::npos);
    EXPECT_NE(answer.find("Connection: close"), std::string::npos);
    const long peak = memory_kib(service->pid(), "VmHWM");
    std::cout << "resident KiB before " << before << ", peak after " << peak << "\n";
    EXPECT_LT(peak - before, 16 * 1024) << "the body was kept in memory";
  }
  EXPECT_EQ(get("/allocations/o1").status, 404);
  EXPECT_EQ(get("/health").status, 200);
}

TEST_P(HttpConnection, ABodyWithinTheLimitIsTakenHoweverItIsSent) {
  add_batch("b1", "LAMP", 10);
  const std::string body = R"({"orderid": "o1", "sku": "LAMP", "qty": 2})";
  const int fd = connect();
  char size[16];
  std::snprintf(size, sizeof size, "%zx", body.size());
  send_all(fd,
           "POST /allocate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           "Transfer-Encoding: chunked\r\n\r\n" +
               std::string(size) + "\r\n" + body + "\r\n0\r\n\r\n");
  const std::string answer = read_until(fd, "\"batchref\"");
  ::close(fd);
  EXPECT_EQ(answer.find("HTTP/1.1 202"), 0u) << answer;
}

// The library reads headers without a bound on their number, and a line of any length before
// it checks it: memory without end.
TEST_P(HttpConnection, HeadersWithoutEndAre431) {
  std::string many_fields = "GET /health HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 150; ++i) many_fields += "X-" + std::to_string(i) + ": y\r\n";
  std::string endless = "GET /health HTTP/1.1\r\nHost: x\r\n";
  while (endless.size() < 100 * 1024) endless += "X-Again: y\r\n";
  for (const auto& [head, message] :
       {std::pair{many_fields + "\r\n", "too many header fields: at most 100"},
        std::pair{endless, "request header fields too large"}}) {
    const int fd = connect();
    (void)::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
    const std::string answer = read_until(fd, "}");
    ::close(fd);
    EXPECT_EQ(answer.find("HTTP/1.1 431"), 0u) << answer;
    EXPECT_NE(answer.find(message), std::string::npos) << answer;
  }
  EXPECT_EQ(get("/health").status, 200);
}

// A client that never finishes its body holds a thread only for the read timeout (10 s).
TEST_P(HttpConnection, ABodyThatNeverArrivesIs408) {
  const int fd = connect(std::chrono::milliseconds(20'000));
  send_all(fd,
           "POST /allocate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           "Content-Length: 100\r\n\r\n{");
  const std::string answer = read_until(fd, "}");
  ::close(fd);
  EXPECT_EQ(answer.find("HTTP/1.1 408"), 0u) << answer;
  EXPECT_NE(answer.find("the request did not arrive in time"), std::string::npos) << answer;
}

// What follows a body the server did not read must never be taken for a request of its own.
TEST_P(HttpConnection, AnUnreadBodyClosesTheConnection) {
  const std::string smuggled = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
  const int fd = connect();
  send_all(fd, "GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                   std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled);
  const std::string answer = read_until(fd, "HTTP/1.1 ", 2);
  ::close(fd);
  EXPECT_EQ(answer.find("HTTP/1.1 200"), 0u) << answer;
  EXPECT_EQ(answer.find("HTTP/1.1 ", 1), std::string::npos) << "a second answer: " << answer;
}

INSTANTIATE_TEST_SUITE_P(Databases, HttpConnection, ::testing::Values(Backend::sqlite),
                         backend_test_name);

}  // namespace
}  // namespace allocation::testing
