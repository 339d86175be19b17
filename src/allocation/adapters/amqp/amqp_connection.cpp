#include "allocation/adapters/amqp/amqp_connection.hpp"

#include <amqp.h>
#include <amqp_tcp_socket.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "allocation/adapters/amqp/amqp_envelope.hpp"

namespace allocation::adapters::amqp {

namespace {

constexpr amqp_channel_t kChannel = 1;

timeval to_timeval(std::chrono::milliseconds ms) {
  return {static_cast<time_t>(ms.count() / 1000),
          static_cast<suseconds_t>(ms.count() % 1000 * 1000)};
}

amqp_bytes_t bytes(std::string_view text) {
  return {text.size(), const_cast<char*>(text.data())};  // rabbitmq-c only reads it
}

std::string text(amqp_bytes_t bytes) { return {static_cast<const char*>(bytes.bytes), bytes.len}; }

// What an RPC's reply says went wrong; empty when it succeeded.
std::string failure(const amqp_rpc_reply_t& reply) {
  switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return {};
    case AMQP_RESPONSE_NONE:
      return "no reply";
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return amqp_error_string2(reply.library_error);
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        return "connection closed: " +
               text(static_cast<amqp_connection_close_t*>(reply.reply.decoded)->reply_text);
      }
      if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        return "channel closed: " +
               text(static_cast<amqp_channel_close_t*>(reply.reply.decoded)->reply_text);
      }
      return "server error";
  }
  return "unknown reply";
}

// A table of one UTF-8 string entry, pointing into `key` and `value`.
struct OneEntryTable {
  OneEntryTable(std::string_view key, std::string_view value) {
    entry.key = bytes(key);
    entry.value.kind = AMQP_FIELD_KIND_UTF8;
    entry.value.value.bytes = bytes(value);
    table.num_entries = 1;
    table.entries = &entry;
  }
  amqp_table_entry_t entry{};
  amqp_table_t table{};
};

}  // namespace

AmqpAddress parse_amqp_url(std::string_view url) {
  const auto bad = [&](const std::string& why) {
    std::string shown(url);
    const auto at = shown.rfind('@');
    const auto colon = shown.find(':', shown.find("://") + 3);
    if (at != std::string::npos && colon != std::string::npos && colon < at) {
      shown.replace(colon + 1, at - colon - 1, "***");
    }
    return std::invalid_argument("malformed AMQP URL '" + shown + "': " + why);
  };
  if (!url.starts_with("amqp://")) throw bad("expected amqp://user:password@host:port/vhost");
  // rabbitmq-c takes a missing host for localhost: an operator who left it out meant another.
  std::string_view authority = url.substr(7);
  authority = authority.substr(0, authority.find('/'));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  if (authority.empty() || authority.front() == ':') throw bad("no host");
  std::vector<char> copy(url.begin(), url.end());
  copy.push_back('\0');
  amqp_connection_info info{};
  if (amqp_parse_url(copy.data(), &info) != AMQP_STATUS_OK || !info.host || !*info.host) {
    throw bad("expected amqp://user:password@host:port/vhost");
  }
  // An empty vhost is the default one, "/" (chosen here, not assigned after: GCC 12's
  // -Wrestrict misfires on that assignment at -O3).
  const bool default_vhost = !info.vhost || !*info.vhost;
  return AmqpAddress{info.host, info.port, info.user, info.password,
                     default_vhost ? std::string("/") : std::string(info.vhost)};
}

AmqpConnection::AmqpConnection(const AmqpAddress& address, std::chrono::milliseconds timeout)
    : state_(amqp_new_connection()), timeout_(timeout) {
  if (!state_) throw std::runtime_error("cannot allocate an AMQP connection");
  try {
    amqp_socket_t* socket = amqp_tcp_socket_new(state_);
    if (!socket) throw std::runtime_error("cannot make an AMQP socket");
    const timeval limit = to_timeval(timeout);
    const int opened = amqp_socket_open_noblock(socket, address.host.c_str(), address.port, &limit);
    const std::string where = address.host + ":" + std::to_string(address.port);
    if (opened != AMQP_STATUS_OK) {
      throw std::runtime_error("cannot reach RabbitMQ at " + where + ": " +
                               amqp_error_string2(opened));
    }
    const std::string login =
        failure(amqp_login(state_, address.vhost.c_str(), 0, 131072, 0, AMQP_SASL_METHOD_PLAIN,
                           address.user.c_str(), address.password.c_str()));
    if (!login.empty()) throw std::runtime_error("RabbitMQ at " + where + " refused: " + login);
    amqp_channel_open(state_, kChannel);
    check("opening a channel");
  } catch (...) {
    amqp_destroy_connection(state_);  // no destructor runs for a constructor that throws
    throw;
  }
}

AmqpConnection::~AmqpConnection() {
  amqp_channel_close(state_, kChannel, AMQP_REPLY_SUCCESS);
  amqp_connection_close(state_, AMQP_REPLY_SUCCESS);
  amqp_destroy_connection(state_);
}

void AmqpConnection::check(std::string_view what) {
  const std::string why = failure(amqp_get_rpc_reply(state_));
  if (!why.empty()) throw std::runtime_error("RabbitMQ, " + std::string(what) + ": " + why);
}

void AmqpConnection::declare_exchange(std::string_view exchange) {
  amqp_exchange_declare(state_, kChannel, bytes(exchange), amqp_cstring_bytes("topic"), 0, 1, 0, 0,
                        amqp_empty_table);
  check("declaring exchange " + std::string(exchange));
}

void AmqpConnection::declare_queue(std::string_view queue, std::string_view exchange,
                                   std::string_view routing_key) {
  OneEntryTable quorum("x-queue-type", "quorum");
  amqp_queue_declare(state_, kChannel, bytes(queue), 0, 1, 0, 0, quorum.table);
  check("declaring queue " + std::string(queue));
  amqp_queue_bind(state_, kChannel, bytes(queue), bytes(exchange), bytes(routing_key),
                  amqp_empty_table);
  check("binding queue " + std::string(queue));
}

long long AmqpConnection::message_count(std::string_view queue) {
  const amqp_queue_declare_ok_t* ok =
      amqp_queue_declare(state_, kChannel, bytes(queue), 1, 0, 0, 0, amqp_empty_table);
  check("reading the depth of queue " + std::string(queue));
  return ok->message_count;
}

void AmqpConnection::select_confirms() {
  amqp_confirm_select(state_, kChannel);
  check("selecting publisher confirms");
}

void AmqpConnection::publish(std::string_view exchange, std::string_view routing_key,
                             std::string_view body, std::string_view reason) {
  amqp_basic_properties_t properties{};
  properties._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
  properties.content_type = amqp_cstring_bytes("application/json");
  properties.delivery_mode = AMQP_DELIVERY_PERSISTENT;
  OneEntryTable headers("reason", reason);
  if (!reason.empty()) {
    properties._flags |= AMQP_BASIC_HEADERS_FLAG;
    properties.headers = headers.table;
  }
  const int status = amqp_basic_publish(state_, kChannel, bytes(exchange), bytes(routing_key), 0, 0,
                                        &properties, bytes(body));
  if (status != AMQP_STATUS_OK) {
    throw std::runtime_error(std::string("RabbitMQ, publishing: ") + amqp_error_string2(status));
  }
  unconfirmed_.insert(++published_);
}

void AmqpConnection::wait_for_confirms() {
  const timeval limit = to_timeval(timeout_);
  while (!unconfirmed_.empty()) {
    amqp_frame_t frame;
    const int status = amqp_simple_wait_frame_noblock(state_, &frame, &limit);
    if (status != AMQP_STATUS_OK) {
      throw std::runtime_error(std::string("RabbitMQ, waiting for confirms: ") +
                               amqp_error_string2(status));
    }
    if (frame.frame_type != AMQP_FRAME_METHOD) continue;
    switch (frame.payload.method.id) {
      case AMQP_BASIC_ACK_METHOD: {
        const auto* ack = static_cast<amqp_basic_ack_t*>(frame.payload.method.decoded);
        if (ack->multiple) {
          unconfirmed_.erase(unconfirmed_.begin(), unconfirmed_.upper_bound(ack->delivery_tag));
        } else {
          unconfirmed_.erase(ack->delivery_tag);
        }
        break;
      }
      case AMQP_BASIC_NACK_METHOD:
        throw std::runtime_error("RabbitMQ refused a message (nack)");
      case AMQP_CHANNEL_CLOSE_METHOD:
      case AMQP_CONNECTION_CLOSE_METHOD:
        throw std::runtime_error("RabbitMQ closed the channel while confirming");
      default:
        break;
    }
  }
}

void AmqpConnection::consume(std::string_view queue, int prefetch) {
  amqp_basic_qos(state_, kChannel, 0, static_cast<std::uint16_t>(prefetch), 0);
  check("setting the prefetch");
  amqp_basic_consume(state_, kChannel, bytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
  check("consuming " + std::string(queue));
}

std::optional<AmqpDelivery> AmqpConnection::next_delivery(std::chrono::milliseconds wait) {
  amqp_maybe_release_buffers(state_);
  const timeval limit = to_timeval(wait);
  amqp_envelope_t envelope;
  const amqp_rpc_reply_t reply = amqp_consume_message(state_, &envelope, &limit, 0);
  if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
      reply.library_error == AMQP_STATUS_TIMEOUT) {
    return std::nullopt;
  }
  const std::string why = failure(reply);
  if (!why.empty()) throw std::runtime_error("RabbitMQ, consuming: " + why);
  AmqpDelivery delivery{envelope.delivery_tag, text(envelope.message.body),
                        envelope.redelivered != 0,
                        integer_header(envelope.message.properties, "x-delivery-count"),
                        string_header(envelope.message.properties, "reason")};
  amqp_destroy_envelope(&envelope);
  return delivery;
}

void AmqpConnection::ack(std::uint64_t tag) {
  const int status = amqp_basic_ack(state_, kChannel, tag, 0);
  if (status != AMQP_STATUS_OK) {
    throw std::runtime_error(std::string("RabbitMQ, acknowledging: ") + amqp_error_string2(status));
  }
}

}  // namespace allocation::adapters::amqp
