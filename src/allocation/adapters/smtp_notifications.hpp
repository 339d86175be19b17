#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "allocation/service_layer/ports/notifications.hpp"

namespace allocation::adapters {

struct SmtpSettings {
  std::string url;  // smtp://host:port
  std::string from = "allocation@localhost";
  std::string to = "stock@localhost";
  std::chrono::milliseconds first_retry{500};
  std::chrono::milliseconds max_retry{60'000};
  std::size_t max_queued = 10'000;  // beyond it the oldest mail is dropped, and logged
};

// Mail through an SMTP server (libcurl). send() only queues: one background thread delivers,
// retrying with growing pauses while the server is down, so a failing or slow mail server
// never fails or delays an allocation. Mail still queued when the process stops is logged.
class SmtpNotifications final : public service_layer::Notifications {
 public:
  explicit SmtpNotifications(SmtpSettings settings);
  ~SmtpNotifications() override;  // stops the sender, after one last try of the queue

  void send(std::string_view subject, std::string_view body) override;

  // How many deliveries failed so far: what a test waits for before it starts the server.
  long long failed_attempts() const { return failed_attempts_; }

 private:
  struct Mail {
    std::string subject, body;
  };
  void deliver_forever(std::stop_token stop);
  // Throws std::runtime_error with libcurl's reason.
  void deliver(const Mail& mail) const;

  SmtpSettings settings_;
  std::mutex mutex_;
  std::condition_variable_any queued_;
  std::deque<Mail> queue_;
  std::atomic<long long> failed_attempts_ = 0;
  std::jthread sender_;  // last: starts once everything it uses exists
};

}  // namespace allocation::adapters
