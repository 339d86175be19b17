// GET /events against the real binary: Server-Sent Events of each committed change (SPEC §8).
#include <poll.h>
#include <signal.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "e2e/e2e_test.hpp"

namespace allocation::testing {
namespace {

// GET /events on a connection of its own, read as the bytes arrive.
class EventStreamReader {
 public:
  explicit EventStreamReader(int port) : fd_(connect_loopback(port)) {
    const std::string request = "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (fd_ >= 0) ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL);
  }
  ~EventStreamReader() {
    if (fd_ >= 0) ::close(fd_);
  }
  EventStreamReader(const EventStreamReader&) = delete;
  EventStreamReader& operator=(const EventStreamReader&) = delete;

  // The head of the answer (up to its blank line), as far as it came within 10 s.
  std::string head() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (raw_.find("\r\n\r\n") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline && receive()) {
    }
    const auto end = raw_.find("\r\n\r\n");
    std::string head = raw_.substr(0, end);
    raw_.erase(0, end == std::string::npos ? raw_.size() : end + 4);
    in_body_ = true;  // chunked, from here on
    decode();
    return head;
  }

  // The stream's text (chunks decoded) until it holds `count` frames (each ends with a blank
  // line), or the connection ends, or 10 s pass.
  std::string frames(int count) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (count_frames() < count && std::chrono::steady_clock::now() < deadline && receive()) {
    }
    return text_;
  }

  // Whether the server ended the stream (the final chunk, or the connection closed) within 10 s.
  bool ends() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!ended_ && std::chrono::steady_clock::now() < deadline) {
      if (!receive()) return true;
    }
    return ended_;
  }

 private:
  int count_frames() const {
    int n = 0;
    for (auto at = text_.find("\n\n"); at != std::string::npos; at = text_.find("\n\n", at + 2))
      ++n;
    return n;
  }

  // Reads what came within 1 s; false once the connection is closed.
  bool receive() {
    pollfd waiting{fd_, POLLIN, 0};
    if (::poll(&waiting, 1, 1000) <= 0) return true;
    char buffer[4096];
    const ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
    if (got <= 0) return false;
    raw_.append(buffer, static_cast<std::size_t>(got));
    decode();
    return true;
  }

  // Moves the whole chunks received into text_.
  void decode() {
    while (in_body_) {
      const auto line_end = raw_.find("\r\n");
      if (line_end == std::string::npos) return;
      const std::size_t size = std::stoul(raw_.substr(0, line_end), nullptr, 16);
      if (raw_.size() < line_end + 2 + size + 2) return;
      if (size == 0) ended_ = true;
      text_ += raw_.substr(line_end + 2, size);
      raw_.erase(0, line_end + 2 + size + 2);
    }
  }

  int fd_;
  std::string raw_;
  std::string text_;
  bool in_body_ = false;
  bool ended_ = false;
};

class EventStream : public EndToEnd {};

TEST_P(EventStream, EachCommittedChangeComesInCommitOrderUnderItsName) {
  EventStreamReader reader(service->port());
  const std::string head = reader.head();
  EXPECT_TRUE(head.starts_with("HTTP/1.1 200")) << head;
  EXPECT_NE(head.find("Content-Type: text/event-stream"), std::string::npos) << head;
  EXPECT_EQ(reader.frames(1), "retry: 1000\n\n");

  add_batch("b1", "LAMP", 10);
  ASSERT_EQ(allocate("o1", "LAMP", 3).status, 202);
  ASSERT_EQ(post("/orders/o1/cancel", std::string()).status, 200);
  ASSERT_EQ(allocate("o2", "NOPE", 1).status, 400);  // refused: no change, no event
  EXPECT_EQ(reader.frames(4),
            "retry: 1000\n\n"
            "event: batch_added\ndata: {\"batchref\":\"b1\",\"qty\":10,\"sku\":\"LAMP\"}\n\n"
            "event: line_allocated\n"
            "data: {\"batchref\":\"b1\",\"orderid\":\"o1\",\"qty\":3,\"sku\":\"LAMP\"}\n\n"
            "event: line_deallocated\n"
            "data: {\"batchref\":\"b1\",\"orderid\":\"o1\",\"qty\":3,\"reason\":\"cancelled\","
            "\"sku\":\"LAMP\"}\n\n");
}

TEST_P(EventStream, AStoppingServerEndsItsStreamsAndExitsCleanly) {
  EventStreamReader first(service->port()), second(service->port());
  for (auto* reader : {&first, &second}) {
    ASSERT_TRUE(reader->head().starts_with("HTTP/1.1 200"));
    ASSERT_EQ(reader->frames(1), "retry: 1000\n\n");
  }
  service->signal(SIGTERM);
  EXPECT_TRUE(first.ends());
  EXPECT_TRUE(second.ends());
  EXPECT_EQ(service->wait(), 0);
}

TEST_P(EventStream, SixteenStreamsAtMostAndAClientThatLeavesFreesItsOwnWithinSeconds) {
  std::vector<std::unique_ptr<EventStreamReader>> readers;
  for (int i = 0; i < 16; ++i) {
    readers.push_back(std::make_unique<EventStreamReader>(service->port()));
    ASSERT_TRUE(readers.back()->head().starts_with("HTTP/1.1 200")) << i;
  }
  EventStreamReader refused(service->port());
  EXPECT_TRUE(refused.head().starts_with("HTTP/1.1 503"));

  readers.front().reset();  // the client closes its connection, and sends nothing more
  // Asked again until it is served: the server notices within about a second, not at the next
  // keep-alive write (15 s).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool served = false;
  while (!served && std::chrono::steady_clock::now() < deadline) {
    EventStreamReader again(service->port());
    served = again.head().starts_with("HTTP/1.1 200");
  }
  EXPECT_TRUE(served);
}

INSTANTIATE_TEST_SUITE_P(Databases, EventStream,
                         ::testing::Values(Backend::sqlite, Backend::postgresql),
                         backend_test_name);

}  // namespace
}  // namespace allocation::testing
