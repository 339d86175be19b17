#include "allocation/adapters/smtp_notifications.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <stdexcept>

#include "allocation/adapters/backoff.hpp"

namespace allocation::adapters {

namespace {

struct Upload {
  std::string text;
  std::size_t sent = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, upload->text.size() - upload->sent);
  upload->text.copy(buffer, n, upload->sent);
  upload->sent += n;
  return n;
}

// Header values must not smuggle in more headers.
std::string single_line(std::string_view text) {
  std::string line(text);
  for (char& c : line) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return line;
}

}  // namespace

SmtpNotifications::SmtpNotifications(SmtpSettings settings)
    : settings_(std::move(settings)),
      sender_([this](std::stop_token stop) { deliver_forever(stop); }) {}

SmtpNotifications::~SmtpNotifications() {
  sender_.request_stop();
  sender_.join();
  for (const Mail& mail : queue_) spdlog::error("mail not sent at stop: {}", mail.subject);
}

void SmtpNotifications::send(std::string_view subject, std::string_view body) {
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= settings_.max_queued) {
      spdlog::error("mail queue full, dropping: {}", queue_.front().subject);
      queue_.pop_front();
    }
    queue_.push_back({std::string(subject), std::string(body)});
  }
  queued_.notify_one();
}

void SmtpNotifications::deliver_forever(std::stop_token stop) {
  Backoff backoff(settings_.first_retry, settings_.max_retry);
  std::unique_lock lock(mutex_);
  while (true) {
    queued_.wait(lock, stop, [&] { return !queue_.empty(); });
    if (queue_.empty()) return;  // stopping with nothing to send
    const Mail mail = queue_.front();
    lock.unlock();
    bool sent = false;
    try {
      deliver(mail);
      sent = true;
      backoff.succeeded();
    } catch (const std::exception& error) {
      ++failed_attempts_;
      spdlog::warn("mail '{}' not sent, retrying in {} ms: {}", mail.subject,
                   backoff.next().count(), error.what());
    }
    if (!sent && !backoff.wait(stop)) return;
    lock.lock();
    if (sent) queue_.pop_front();
  }
}

void SmtpNotifications::deliver(const Mail& mail) const {
  // libcurl's global set-up is not thread-safe: done once, before the first transfer.
  static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!initialised) throw std::runtime_error("libcurl could not start");
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) throw std::runtime_error("libcurl could not start");
  Upload upload{"To: <" + settings_.to + ">\r\nFrom: <" + settings_.from +
                ">\r\nSubject: " + single_line(mail.subject) + "\r\n\r\n" + mail.body + "\r\n"};
  curl_slist* recipients = curl_slist_append(nullptr, ("<" + settings_.to + ">").c_str());
  curl_easy_setopt(curl.get(), CURLOPT_URL, settings_.url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_MAIL_FROM, ("<" + settings_.from + ">").c_str());
  curl_easy_setopt(curl.get(), CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(curl.get(), CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(curl.get(), CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl.get(), CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 30000L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  const CURLcode result = curl_easy_perform(curl.get());
  curl_slist_free_all(recipients);
  if (result != CURLE_OK) throw std::runtime_error(curl_easy_strerror(result));
}

}  // namespace allocation::adapters
