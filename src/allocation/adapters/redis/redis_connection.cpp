#include "allocation/adapters/redis/redis_connection.hpp"

#include <hiredis.h>
#include <poll.h>

#include <charconv>
#include <optional>
#include <stdexcept>
#include <vector>

#include "allocation/adapters/redis/consumer_replies.hpp"

namespace allocation::adapters::redis {

namespace {

using Reply = RedisReply;

// hiredis's arguments: pointers and lengths, pointing into `arguments`.
struct Argv {
  explicit Argv(std::initializer_list<std::string_view> arguments) {
    for (const std::string_view argument : arguments) {
      pointers.push_back(argument.data());
      lengths.push_back(argument.size());
    }
  }
  int count() const { return static_cast<int>(pointers.size()); }
  std::vector<const char*> pointers;
  std::vector<std::size_t> lengths;
};

timeval to_timeval(std::chrono::milliseconds ms) {
  return {static_cast<time_t>(ms.count() / 1000),
          static_cast<suseconds_t>(ms.count() % 1000 * 1000)};
}

// A URL's authority, cut where its user information ends: redis://USERINFO@HOST:PORT/...
struct Authority {
  std::string_view userinfo;  // empty when there is none
  std::string_view host_port;
};

Authority authority(std::string_view after_scheme) {
  const std::string_view whole = after_scheme.substr(0, after_scheme.find('/'));
  const auto at = whole.rfind('@');
  if (at == std::string_view::npos) return {{}, whole};
  return {whole.substr(0, at), whole.substr(at + 1)};
}

}  // namespace

std::string without_password(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  const auto start = scheme + 3;  // of the user information, when there is some
  const std::string_view userinfo = authority(url.substr(start)).userinfo;
  const auto colon = userinfo.find(':');
  std::string shown(url);
  if (colon != std::string_view::npos) {
    shown.replace(start + colon + 1, userinfo.size() - colon - 1, "***");
  }
  return shown;
}

RedisAddress parse_redis_url(std::string_view url, std::string_view scheme) {
  const auto bad = [&](const std::string& why) {
    return std::invalid_argument("malformed Redis URL '" + without_password(url) + "': " + why);
  };
  if (!url.starts_with(scheme)) throw bad("expected " + std::string(scheme) + "host:port");
  const auto [userinfo, rest] = authority(url.substr(scheme.size()));
  const auto colon = rest.rfind(':');
  RedisAddress address{std::string(rest.substr(0, colon)), 6379};
  if (address.host.empty()) throw bad("no host");
  if (colon != std::string_view::npos) {
    const std::string_view port = rest.substr(colon + 1);
    auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), address.port);
    if (error != std::errc() || end != port.data() + port.size() || address.port < 1 ||
        address.port > 65535) {
      throw bad("bad port");
    }
  }
  const auto separator = userinfo.find(':');
  address.user = userinfo.substr(0, separator);
  if (separator != std::string_view::npos) address.password = userinfo.substr(separator + 1);
  return address;
}

RedisConnection::RedisConnection(const RedisAddress& address, std::chrono::milliseconds timeout)
    : context_(redisConnectWithTimeout(address.host.c_str(), address.port, to_timeval(timeout))) {
  if (!context_) throw std::runtime_error("cannot allocate a Redis connection");
  if (context_->err) {
    const std::string why = context_->errstr;
    redisFree(context_);
    throw std::runtime_error("cannot reach Redis at " + address.host + ":" +
                             std::to_string(address.port) + ": " + why);
  }
  redisSetTimeout(context_, to_timeval(timeout));
  try {
    authenticate(address);
  } catch (...) {
    redisFree(context_);  // no destructor runs for a constructor that throws
    throw;
  }
}

void RedisConnection::authenticate(const RedisAddress& address) {
  if (address.password.empty()) return;
  // AUTH PASSWORD (the default user) is also understood by servers older than Redis 6.
  void* raw =
      address.user.empty()
          ? redisCommand(context_, "AUTH %b", address.password.data(), address.password.size())
          : redisCommand(context_, "AUTH %b %b", address.user.data(), address.user.size(),
                         address.password.data(), address.password.size());
  Reply reply(static_cast<redisReply*>(raw), freeReplyObject);
  if (!reply) throw std::runtime_error(std::string("Redis AUTH failed: ") + context_->errstr);
  // Redis's answer (WRONGPASS ...) names no password.
  if (reply->type == REDIS_REPLY_ERROR) {
    throw std::runtime_error("Redis at " + address.host + ":" + std::to_string(address.port) +
                             " refused the password: " + reply->str);
  }
}

RedisConnection::~RedisConnection() { redisFree(context_); }

long long RedisConnection::publish(std::string_view channel, std::string_view message) {
  Reply reply(
      static_cast<redisReply*>(redisCommand(context_, "PUBLISH %b %b", channel.data(),
                                            channel.size(), message.data(), message.size())),
      freeReplyObject);
  if (!reply) throw std::runtime_error(std::string("Redis PUBLISH failed: ") + context_->errstr);
  if (reply->type == REDIS_REPLY_ERROR) throw std::runtime_error(reply->str);
  return reply->integer;
}

RedisReply RedisConnection::command(std::initializer_list<std::string_view> arguments) {
  append(arguments);
  return reply();
}

void RedisConnection::append(std::initializer_list<std::string_view> arguments) {
  Argv argv(arguments);  // hiredis takes a non-const array
  if (redisAppendCommandArgv(context_, argv.count(), argv.pointers.data(), argv.lengths.data()) !=
      REDIS_OK) {
    throw std::runtime_error(std::string("Redis connection broke: ") + context_->errstr);
  }
}

RedisReply RedisConnection::reply() {
  void* raw = nullptr;
  if (redisGetReply(context_, &raw) != REDIS_OK || !raw) {
    throw std::runtime_error(std::string("Redis connection broke: ") + context_->errstr);
  }
  Reply reply(static_cast<redisReply*>(raw), freeReplyObject);
  if (reply->type == REDIS_REPLY_ERROR) {
    throw std::runtime_error("Redis answered: " + std::string(reply->str, reply->len));
  }
  return reply;
}

void RedisConnection::subscribe(std::string_view channel) {
  Reply reply(static_cast<redisReply*>(
                  redisCommand(context_, "SUBSCRIBE %b", channel.data(), channel.size())),
              freeReplyObject);
  if (!reply) throw std::runtime_error(std::string("Redis SUBSCRIBE failed: ") + context_->errstr);
}

std::optional<std::string> RedisConnection::next_message(std::chrono::milliseconds wait) {
  while (true) {
    void* raw = nullptr;
    if (redisGetReplyFromReader(context_, &raw) != REDIS_OK) {
      throw std::runtime_error(std::string("Redis connection broke: ") + context_->errstr);
    }
    if (raw) {
      Reply reply(static_cast<redisReply*>(raw), freeReplyObject);
      if (auto payload = published_message(reply.get())) return payload;
      continue;
    }
    pollfd fd{context_->fd, POLLIN, 0};
    const int ready = ::poll(&fd, 1, static_cast<int>(wait.count()));
    if (ready == 0) return std::nullopt;
    if (ready < 0 || redisBufferRead(context_) != REDIS_OK) {
      throw std::runtime_error(std::string("Redis connection broke: ") + context_->errstr);
    }
  }
}

}  // namespace allocation::adapters::redis
