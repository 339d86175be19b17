#include "allocation/entrypoints/http/buffered_server.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <tuple>

namespace allocation::entrypoints {

namespace {

// How often a connection waiting for its next request looks whether the server was stopped.
constexpr int kStopCheckMs = 100;

// Closing a socket whose client is still sending resets the connection, and a reset can
// destroy the answer before the client has read it (a 413 while a large body still comes).
// So such a connection is first half-closed, and what the client still sends is read and
// dropped, for a while and up to an amount that bound what it costs.
constexpr int kLingerMs = 500;
constexpr std::size_t kLingerBytes = 1 << 20;

bool poll_for(socket_t sock, short events, int timeout_ms) {
  pollfd descriptor{sock, events, 0};
  int ready;
  do {
    ready = ::poll(&descriptor, 1, timeout_ms);
  } while (ready < 0 && errno == EINTR);
  return ready > 0;
}

std::pair<std::string, int> address_of(socket_t sock, bool peer) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  auto* generic = reinterpret_cast<sockaddr*>(&address);
  if ((peer ? ::getpeername(sock, generic, &length) : ::getsockname(sock, generic, &length)) != 0)
    return {"", 0};
  char host[NI_MAXHOST] = "";
  char port[NI_MAXSERV] = "";
  ::getnameinfo(generic, length, host, sizeof host, port, sizeof port,
                NI_NUMERICHOST | NI_NUMERICSERV);
  return {host, std::atoi(port)};
}

// Why reading the request being served failed, if it did; and whether its connection must
// close after the response. A connection is served from start to end on one pool thread, so
// these are the current request's.
enum class ReadFailure { none, head_too_large, timed_out };
thread_local ReadFailure read_failure = ReadFailure::none;
thread_local bool close_requested = false;

// One connection's stream: reads through a buffer, and keeps what is written until flush().
// The socket's own timeouts (SO_RCVTIMEO, SO_SNDTIMEO, set by the library on accept) bound a
// read or a send that blocks; the request's deadline and head limit bound the request.
class BufferedStream final : public httplib::Stream {
 public:
  using Clock = std::chrono::steady_clock;

  BufferedStream(socket_t sock, int read_timeout_ms)
      : sock_(sock), read_timeout_ms_(read_timeout_ms) {}

  // A request starts: its head may take `head_limit` bytes, and all of it must have arrived
  // by `deadline`.
  void begin_request(std::size_t head_limit, Clock::time_point deadline) {
    head_left_ = head_limit;
    in_head_ = true;
    deadline_ = deadline;
  }
  // The library has read the request line and headers: what follows is the body.
  void end_head() { in_head_ = false; }

  bool is_readable() const override {
    return start_ < end_ || poll_for(sock_, POLLIN, read_timeout_ms_);
  }
  bool is_writable() const override { return true; }  // written at flush()

  ssize_t read(char* ptr, size_t size) override {
    if (in_head_ && head_left_ == 0) {
      read_failure = ReadFailure::head_too_large;
      return -1;
    }
    if (start_ == end_) {
      // Checked before waiting for more, not during: a read begun in time waits at most the
      // socket's read timeout beyond the deadline.
      if (Clock::now() > deadline_) {
        read_failure = ReadFailure::timed_out;
        return -1;
      }
      // Whatever waits to be sent goes first: the client may wait for it (100 Continue).
      if (!flush()) return -1;
      const ssize_t got = ::recv(sock_, input_, sizeof input_, 0);
      if (got <= 0) {
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
          read_failure = ReadFailure::timed_out;
        return got;
      }
      start_ = 0;
      end_ = static_cast<std::size_t>(got);
    }
    std::size_t n = std::min(size, end_ - start_);
    if (in_head_) {
      n = std::min(n, head_left_);
      head_left_ -= n;
    }
    std::memcpy(ptr, input_ + start_, n);
    start_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    output_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }

  // Sends what was written; false when the connection failed.
  bool flush() {
    std::size_t sent = 0;
    while (sent < output_.size()) {
      const ssize_t n = ::send(sock_, output_.data() + sent, output_.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    output_.clear();
    return true;
  }

  bool has_buffered_input() const { return start_ < end_; }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    if (!remote_) remote_ = address_of(sock_, true);  // once per connection
    std::tie(ip, port) = *remote_;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    if (!local_) local_ = address_of(sock_, false);
    std::tie(ip, port) = *local_;
  }
  socket_t socket() const override { return sock_; }

 private:
  socket_t sock_;
  int read_timeout_ms_;
  char input_[4096];
  std::size_t start_ = 0, end_ = 0;
  std::size_t head_left_ = 0;
  bool in_head_ = false;
  Clock::time_point deadline_;
  std::string output_;
  mutable std::optional<std::pair<std::string, int>> remote_, local_;
};

// The stream of the connection this thread serves, while it serves one.
thread_local BufferedStream* serving = nullptr;

// Half-closes `sock`, then drops what the client still sends (see kLingerMs).
void linger(socket_t sock) {
  ::shutdown(sock, SHUT_WR);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kLingerMs);
  char discarded[4096];
  for (std::size_t dropped = 0; dropped < kLingerBytes;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !poll_for(sock, POLLIN, static_cast<int>(left.count()))) return;
    const ssize_t n = ::recv(sock, discarded, sizeof discarded, 0);
    if (n <= 0) return;
    dropped += static_cast<std::size_t>(n);
  }
}

}  // namespace

bool BufferedServer::wait_for_request(socket_t sock) const {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(keep_alive_timeout_sec_);
  while (svr_sock_ != INVALID_SOCKET) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    if (poll_for(sock, POLLIN, std::min<int>(kStopCheckMs, static_cast<int>(left.count()))))
      return true;
  }
  return false;
}

void BufferedServer::close_connection_after_response() { close_requested = true; }

std::optional<int> BufferedServer::read_failure_status() {
  switch (read_failure) {
    case ReadFailure::head_too_large:
      return 431;
    case ReadFailure::timed_out:
      return 408;
    case ReadFailure::none:
      break;
  }
  return std::nullopt;
}

bool BufferedServer::send_written() { return serving && serving->flush(); }

bool BufferedServer::client_closed() {
  if (!serving) return false;
  char byte;
  return ::recv(serving->socket(), &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

bool BufferedServer::process_and_close_socket(socket_t sock) {
  const auto read_timeout =
      std::chrono::seconds(read_timeout_sec_) + std::chrono::microseconds(read_timeout_usec_);
  BufferedStream stream(
      sock, static_cast<int>(
                std::chrono::duration_cast<std::chrono::milliseconds>(read_timeout).count()));
  serving = &stream;
  const struct Served {
    ~Served() { serving = nullptr; }
  } served;
  const auto setup = [this, &stream](httplib::Request& request) {
    stream.end_head();
    if (setup_) setup_(request);
  };
  bool ok = false;
  for (std::size_t left = keep_alive_max_count_; left > 0; --left) {
    if (!stream.has_buffered_input() && !wait_for_request(sock)) break;
    stream.begin_request(head_limit_, BufferedStream::Clock::now() + read_timeout);
    read_failure = ReadFailure::none;
    close_requested = false;
    bool connection_closed = false;
    ok = process_request(stream, left == 1, connection_closed, setup);
    if (!stream.flush()) ok = false;
    if (close_requested || read_failure != ReadFailure::none) {
      linger(sock);
      break;
    }
    if (!ok || connection_closed) break;
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

}  // namespace allocation::entrypoints
