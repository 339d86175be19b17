#include "allocation/entrypoints/cli/progress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>

namespace allocation::entrypoints {

namespace {

constexpr int kBarWidth = 30;
constexpr auto kRedrawEvery = std::chrono::milliseconds(100);

}  // namespace

Progress::Progress(std::FILE* out, bool terminal, long long total, std::string_view unit)
    : out_(out), terminal_(terminal), total_(std::max(total, 0LL)), unit_(unit) {}

void Progress::update(long long done) {
  if (terminal_) {
    const auto now = std::chrono::steady_clock::now();
    if (now - drawn_ < kRedrawEvery) return;
    drawn_ = now;
    draw(done);
    return;
  }
  // A line at each tenth passed; the last one is finish()'s.
  if (total_ == 0) return;
  const int tenths = static_cast<int>(std::min(done * 10 / total_, 9LL));
  if (tenths <= tenths_said_) return;
  tenths_said_ = tenths;
  fmt::print(out_, "{} of about {} {} ({}%)\n", done, total_, unit_, tenths * 10);
  std::fflush(out_);
}

void Progress::say(std::string_view line) {
  clear();
  fmt::print(out_, "{}\n", line);
  std::fflush(out_);
}

void Progress::finish(long long done) {
  if (terminal_) {
    draw(done);
    std::fputc('\n', out_);
    bar_shown_ = false;
  }
  std::fflush(out_);
}

void Progress::draw(long long done) {
  const double share =
      total_ == 0 ? 1.0 : std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
  const int filled = static_cast<int>(share * kBarWidth);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  fmt::print(out_, "\r[{}{}] {:3.0f}% {} of about {} {}, {:.0f}/s\x1b[K", std::string(filled, '#'),
             std::string(kBarWidth - filled, '.'), share * 100, done, total_, unit_, rate);
  std::fflush(out_);
  bar_shown_ = true;
}

void Progress::clear() {
  if (!bar_shown_) return;
  std::fputs("\r\x1b[K", out_);  // the line below the message gets the bar again
  bar_shown_ = false;
}

}  // namespace allocation::entrypoints
