#include <sys/time.h>

#include <csignal>

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

INSTANTIATE_TEST_SUITE_P(Databases, HttpConnection, ::testing::Values(Backend::sqlite),
                         backend_test_name);

}  // namespace
}  // namespace allocation::testing
