// Progress lines and bars on stderr (see progress.hpp).
#include "examples/coordctl/progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <sstream>

namespace coord::examples {
namespace {

// "1.2k", "3.4M": compact counts for the bar line.
std::string compact(double v) {
  char buf[32];
  if (v >= 1e9) std::snprintf(buf, sizeof buf, "%.1fG", v / 1e9);
  else if (v >= 1e6) std::snprintf(buf, sizeof buf, "%.1fM", v / 1e6);
  else if (v >= 1e4) std::snprintf(buf, sizeof buf, "%.1fk", v / 1e3);
  else std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

std::string clock_text(double seconds) {
  auto s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%02ld:%02ld", s / 60, s % 60);
  return buf;
}

}  // namespace

Progress::Progress(std::string what, std::string unit, std::uint64_t total)
    : what_(std::move(what)), unit_(std::move(unit)), terminal_(::isatty(STDERR_FILENO) == 1), total_(total) {
  last_print_ = start_;
}

Progress::~Progress() { finish(); }

void Progress::add(std::uint64_t n) {
  done_.fetch_add(n);
  const auto now = std::chrono::steady_clock::now();
  // A terminal bar is redrawn up to ten times a second; a plain line at most once a second.
  const auto interval = terminal_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(1000);
  std::unique_lock lock(print_mu_, std::try_to_lock);
  if (!lock.owns_lock() || finished_ || now - last_print_ < interval) return;
  last_print_ = now;
  const std::string text = line(false, now - start_);
  if (terminal_) std::fprintf(stderr, "\r%s\033[K", text.c_str());
  else std::fprintf(stderr, "%s\n", text.c_str());
  std::fflush(stderr);
}

void Progress::finish() {
  std::lock_guard lock(print_mu_);
  if (finished_) return;
  finished_ = true;
  const std::string text = line(true, std::chrono::steady_clock::now() - start_);
  if (terminal_) std::fprintf(stderr, "\r%s\033[K\n", text.c_str());
  else std::fprintf(stderr, "%s\n", text.c_str());
  std::fflush(stderr);
}

std::string Progress::line(bool final, std::chrono::steady_clock::duration elapsed) const {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  const std::uint64_t done = done_.load(), total = total_.load();
  const double rate = seconds > 0 ? done / seconds : 0;
  std::ostringstream out;
  out << what_ << ": ";
  if (terminal_ && total > 0 && !final) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(kWidth * std::min(1.0, static_cast<double>(done) / total));
    out << "[" << std::string(filled, '#') << std::string(kWidth - filled, '.') << "] ";
  }
  out << done;
  if (total > 0) out << "/" << total;
  out << " " << unit_;
  if (total > 0 && !final) out << " (" << (100 * done / total) << "%)";
  out << ", " << compact(rate) << " " << unit_ << "/s";
  if (final) {
    out << ", done in " << clock_text(seconds);
  } else if (total > 0 && rate > 0 && done <= total) {
    out << ", " << clock_text((total - done) / rate) << " left";
  }
  return out.str();
}

}  // namespace coord::examples
