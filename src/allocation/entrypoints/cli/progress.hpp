#pragma once

#include <chrono>
#include <cstdio>
#include <string_view>

namespace allocation::entrypoints {

// What a long command tells a person while it runs, on stderr: on a terminal, a bar redrawn in
// place (at most ten times a second); elsewhere (a log file, a CI job), a plain line at every
// tenth of the work, so the log is not flooded.
class Progress {
 public:
  // `total`: the units of work expected (rows); `terminal`: whether `out` is one.
  Progress(std::FILE* out, bool terminal, long long total, std::string_view unit);

  // `done` units are done.
  void update(long long done);
  // A line of its own (an error), above the bar.
  void say(std::string_view line);
  // The work ended at `done`: the bar is completed and left on its line.
  void finish(long long done);

 private:
  void draw(long long done);
  void clear();

  std::FILE* out_;
  bool terminal_;
  long long total_;
  std::string_view unit_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point drawn_{};
  int tenths_said_ = 0;
  bool bar_shown_ = false;
};

}  // namespace allocation::entrypoints
