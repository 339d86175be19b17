#pragma once

#include <optional>
#include <string>

namespace allocation::bootstrap {

// What an operator configures (flags, environment). Defaults: the zero-configuration service.
struct Settings {
  std::string database_url = "sqlite:allocation.db";
  int database_pool = 16;
  // The message broker, by its URL's scheme (bootstrap/broker.hpp): redis:// (pub/sub),
  // redis-streams://. None: no broker (the outbox keeps the messages, nothing is consumed).
  std::optional<std::string> broker_url;
  // Redis Streams: about how many entries each stream keeps.
  long long stream_max_length = 100'000;
  // Redis Streams: seconds after which what a consumer left unacknowledged is claimed by
  // another, and how many deliveries a message gets before it is dead-lettered.
  int claim_after_seconds = 30;
  int max_deliveries = 5;
  // This process's name among the consumers of a stream; empty: HOSTNAME-PID.
  std::string consumer_name;
  // smtp://host:port; none: notifications go to the log.
  std::optional<std::string> smtp_url;
  std::string mail_from = "allocation@localhost";
  std::string mail_to = "stock@localhost";
  // How often a running process replays pending reallocations that another process, which
  // died, left behind (each process also does at start).
  int recovery_interval_seconds = 30;
  // Seconds between sweeps that end the holds whose time ran out (SPEC §7.3).
  int reservation_sweep_seconds = 5;
  // The answers of GET /allocations kept in memory (adapters::CachedReadModel): how long, at
  // most, a change made by another process stays unseen (0: nothing is kept), and for how many
  // orders.
  int read_cache_ttl_ms = 1000;
  int read_cache_orders = 50'000;
  // Whether each change of stock is logged at info (adapters/logging/stock_change_log.hpp): by
  // the long-running processes, not by one-shot commands, whose output is their own.
  bool log_stock_changes = false;
};

}  // namespace allocation::bootstrap
