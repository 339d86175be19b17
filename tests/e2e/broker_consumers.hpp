#pragma once

#include <signal.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "e2e/e2e_test.hpp"

// What the end-to-end tests of the brokers that keep messages (Redis Streams, RabbitMQ) share:
// the batches their change_batch_quantity messages name, and what the consumers' logs say.
namespace allocation::testing {

// Batches b0..b(count-1) of 10 units, each of its own SKU S0..S(count-1), by a `serve` on
// `db_url` with `options` (which may declare a broker's queue), stopped before any message is
// sent.
inline void add_batches(const std::string& db_url, int count,
                        std::vector<std::string> options = {}) {
  options.insert(options.begin(), {"--db", db_url});
  ServiceProcess service(options);
  auto client = service.client();
  for (int i = 0; i < count; ++i) {
    const json batch = {
        {"ref", "b" + std::to_string(i)}, {"sku", "S" + std::to_string(i)}, {"qty", 10}};
    ASSERT_EQ(client.Post("/add_batch", batch.dump(), "application/json")->status, 201);
  }
  service.signal(SIGTERM);
  ASSERT_EQ(service.wait(), 0);
}

// A change_batch_quantity message for batch b<batch>.
inline std::string change_message(int batch, int qty, const std::string& message_id) {
  return json{{"batchref", "b" + std::to_string(batch)}, {"qty", qty}, {"message_id", message_id}}
      .dump();
}

// How many times `part` appears in `text`.
inline int occurrences(const std::string& text, const std::string& part) {
  int found = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++found;
  return found;
}

inline int applied_in(const std::string& log) { return occurrences(log, "quantity set to"); }
inline int dropped_in(const std::string& log) {
  return occurrences(log, "dropped duplicate message");
}

// Waits up to 30 s until the consumers' `logs` say that at least `applied` deliveries were
// applied and `dropped` dropped as duplicates.
inline bool handled_within_30s(const std::function<std::string()>& logs, int applied, int dropped) {
  for (int i = 0; i < 300; ++i) {
    const std::string all = logs();
    if (applied_in(all) >= applied && dropped_in(all) >= dropped) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// Waits up to 30 s (the relay's backoff is 5 s at most) until the service `client` talks to says
// its outbox is empty.
inline void wait_for_empty_outbox(httplib::Client& client) {
  for (int i = 0; i < 300; ++i) {
    if (client.Get("/metrics")->body.find("allocation_outbox_backlog 0\n") != std::string::npos) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// allocate_until() on the service at `port` while its broker goes down: `kill` 0.7 s in,
// `start` 0.5 s later, and the load stops 0.8 s after the broker serves again.
inline LoadResult allocate_through_a_broker_crash(int port, const std::function<void()>& kill,
                                                  const std::function<void()>& start) {
  std::atomic<bool> stop = false;
  std::thread outage([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    kill();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    start();
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    stop = true;
  });
  LoadResult load = allocate_until(stop, port, "LAMP", /*until_gone=*/false);
  outage.join();
  return load;
}

// Waits up to 30 s until the logs of workers, one of them killed midway, account for `messages`
// distinct messages and `repeats` more deliveries of them. The killed worker may have committed
// a message and died before logging it: the consumer that got it next logs it as dropped, so
// the logs count one applied fewer and one dropped more. True once they do.
inline bool handled_despite_a_kill_within_30s(const std::function<std::string()>& logs,
                                              int messages, int repeats) {
  for (int i = 0; i < 300; ++i) {
    const std::string all = logs();
    const int applied = applied_in(all);
    if (applied >= messages - 1 && applied + dropped_in(all) >= messages + repeats) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// A message applied twice would show as more than `messages` applied.
inline void expect_applied_once_despite_a_kill(const std::string& logs, int messages) {
  const int applied = applied_in(logs);
  EXPECT_GE(applied, messages - 1) << logs;
  EXPECT_LE(applied, messages) << logs;
}

}  // namespace allocation::testing
