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

// One connection's stream: reads through a buffer, and keeps what is written until flush().
// The socket's own timeouts (SO_RCVTIMEO, SO_SNDTIMEO, set by the library on accept) bound a
// read or a send that blocks.
class BufferedStream final : public httplib::Stream {
 public:
  BufferedStream(socket_t sock, int read_timeout_ms)
      : sock_(sock), read_timeout_ms_(read_timeout_ms) {}

  bool is_readable() const override {
    return start_ < end_ || poll_for(sock_, POLLIN, read_timeout_ms_);
  }
  bool is_writable() const override { return true; }  // written at flush()

  ssize_t read(char* ptr, size_t size) override {
    if (start_ == end_) {
      // Whatever waits to be sent goes first: the client may wait for it (100 Continue).
      if (!flush()) return -1;
      const ssize_t got = ::recv(sock_, input_, sizeof input_, 0);
      if (got <= 0) return got;
      start_ = 0;
      end_ = static_cast<std::size_t>(got);
    }
    const std::size_t n = std::min(size, end_ - start_);
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
  std::string output_;
  mutable std::optional<std::pair<std::string, int>> remote_, local_;
};

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

bool BufferedServer::process_and_close_socket(socket_t sock) {
  BufferedStream stream(sock,
                        static_cast<int>(read_timeout_sec_ * 1000 + read_timeout_usec_ / 1000));
  bool ok = false;
  for (std::size_t left = keep_alive_max_count_; left > 0; --left) {
    if (!stream.has_buffered_input() && !wait_for_request(sock)) break;
    bool connection_closed = false;
    ok = process_request(stream, left == 1, connection_closed, nullptr);
    if (!stream.flush()) ok = false;
    if (!ok || connection_closed) break;
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

}  // namespace allocation::entrypoints
