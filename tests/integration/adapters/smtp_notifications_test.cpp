#include "allocation/adapters/smtp_notifications.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "support/mail_log.hpp"
#include "support/temp_folder.hpp"
#include "support/test_servers.hpp"

extern char** environ;

namespace allocation::adapters {
namespace {

using Clock = std::chrono::steady_clock;

std::string unique(const char* prefix) {
  return prefix + std::to_string(::getpid()) + "-" +
         std::to_string(Clock::now().time_since_epoch().count() % 1'000'000'007);
}

TEST(SmtpNotifications, DeliversAMailNamingTheSku) {
  SKIP_UNLESS_SERVER("ALLOCATION_TEST_SMTP");
  const std::string log = std::getenv("ALLOCATION_TEST_SMTP_LOG");
  const std::string sku = unique("SKU-");
  SmtpNotifications mail(
      {.url = std::getenv("ALLOCATION_TEST_SMTP"), .from = "allocation@test", .to = "stock@test"});
  mail.send("Out of stock for " + sku, "Out of stock for " + sku);
  EXPECT_TRUE(testing::mail_received(log, "Subject: Out of stock for " + sku))
      << testing::read_text(log);
}

// The mail server is down when the notification is sent: send() does not wait for it, and the
// mail arrives once the server is up.
TEST(SmtpNotifications, RetriesWhileTheServerIsDownWithoutDelayingTheSender) {
  const int port = [] {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
  }();
  const testing::TempFolder folder("allocation-smtp");
  const std::string log = folder.file("smtp.log");

  SmtpNotifications mail({.url = "smtp://127.0.0.1:" + std::to_string(port),
                          .first_retry = std::chrono::milliseconds(100),
                          .max_retry = std::chrono::milliseconds(400)});
  const std::string sku = unique("LATE-");
  const auto before = Clock::now();
  mail.send("Out of stock for " + sku, "Out of stock for " + sku);
  EXPECT_LT(Clock::now() - before, std::chrono::milliseconds(100)) << "send() waited";
  while (mail.failed_attempts() < 2) std::this_thread::yield();  // the server is down

  const std::string listen = "127.0.0.1:" + std::to_string(port);
  std::vector<std::string> args = {"/usr/bin/python3", "-u", "-m", "aiosmtpd", "-n", "-l", listen};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t server = -1;
  ASSERT_EQ(posix_spawn(&server, argv[0], &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);

  EXPECT_TRUE(testing::mail_received(log, "Subject: Out of stock for " + sku))
      << testing::read_text(log);
  ::kill(server, SIGTERM);
  ::waitpid(server, nullptr, 0);
}

}  // namespace
}  // namespace allocation::adapters
