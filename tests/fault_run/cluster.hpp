#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "e2e/redis_server.hpp"
#include "e2e/service_process.hpp"

// The system under test: `serve` processes on one database, publishing to a Redis Streams
// broker of the run's own, each under libfaketime so that the run can move their clock; and
// the faults the run injects into it.
namespace allocation::fault_run {

struct ClusterSettings {
  std::string database_url;
  int processes = 2;
  // Scripts that stop and start the PostgreSQL server (tools/test-servers.sh); none on SQLite.
  std::optional<std::string> stop_database, start_database;
  std::string folder;  // the run's files: the broker's data, the clock's offset
  int sweep_seconds = 1;
};

class Cluster {
 public:
  explicit Cluster(ClusterSettings settings);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // A process up now, drawn at random; nullptr while none is.
  std::shared_ptr<testing::ServiceProcess> any(std::mt19937_64& random) const;
  adapters::redis::RedisAddress broker() const { return redis_.address(); }
  const ClusterSettings& settings() const { return settings_; }
  // How far the processes' clock is ahead of the machine's.
  std::chrono::seconds clock_offset() const { return std::chrono::seconds(offset_.load()); }

  // What a sanitizer reported in the log of any process the run started (a build with
  // ALLOCATION_SANITIZE): one line per report, naming the log.
  std::vector<std::string> sanitizer_reports() const;

  // The faults. Each returns what it did, once the system is whole again.
  std::string kill_and_restart(std::mt19937_64& random);  // kill -9 of a process
  std::string restart_database(std::mt19937_64& random);  // PostgreSQL stopped, then started
  std::string restart_broker(std::mt19937_64& random);    // Redis killed (kill -9), then started
  std::string jump_clock(std::mt19937_64& random);        // 2 to 10 minutes forward

 private:
  std::shared_ptr<testing::ServiceProcess> start_process();
  void write_clock_offset() const;

  ClusterSettings settings_;
  std::vector<std::string> broker_options_;
  testing::RedisServer redis_;
  std::string clock_file_;
  std::atomic<long> offset_{0};
  mutable std::mutex mutex_;
  // nullptr while a process is down; guarded by mutex_. The clients hold a process they talk
  // to by its shared_ptr, so that a kill does not free it under them.
  std::vector<std::shared_ptr<testing::ServiceProcess>> processes_;
  // Every process started, killed ones too, for their logs; guarded by mutex_.
  std::vector<std::shared_ptr<testing::ServiceProcess>> started_;
};

}  // namespace allocation::fault_run
