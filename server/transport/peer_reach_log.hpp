// PeerReachLog: which reachability line a peer link logs after each attempt to reach its peer,
// in etcd's words where etcd has them (rafthttp's "peer became active" and "peer became inactive",
// once per change);
// while the peer stays unreachable, or was never reached, "peer still inactive" / "peer not
// active yet" at most once per repeat period, so that a member down for hours is not a warning
// per retry. Pure: the caller gives the time, so the repeat limit is tested without waiting.
// Not thread-safe (PeerSender keeps it on its strand).
#pragma once

#include <chrono>

namespace coord::transport {

class PeerReachLog {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Line { kNone, kBecameActive, kBecameInactive, kNotActiveYet, kStillInactive };
  struct Decision {
    Line line = Line::kNone;
    Clock::duration since_last_report{};  // for the repeated lines: time since the last line logged
  };

  // `start`: when the link began; a peer never reached is first reported `repeat` after it.
  PeerReachLog(Clock::duration repeat, Clock::time_point start) : repeat_(repeat), last_report_(start) {}

  // The line to log for an attempt at `now` that reached the peer or failed to.
  Decision on_attempt(bool reached, Clock::time_point now) {
    Decision d;
    if (reached) {
      if (state_ != State::kReachable) d.line = Line::kBecameActive;
      state_ = State::kReachable;
      last_report_ = now;
      return d;
    }
    if (state_ == State::kReachable) {
      d.line = Line::kBecameInactive;
    } else if (now - last_report_ >= repeat_) {
      d.line = state_ == State::kUnknown ? Line::kNotActiveYet : Line::kStillInactive;
      d.since_last_report = now - last_report_;
    } else {
      return d;
    }
    // A peer never reached stays "not active yet" in every repeat: "still" would say it was
    // active once.
    if (state_ == State::kReachable) state_ = State::kUnreachable;
    last_report_ = now;
    return d;
  }

 private:
  enum class State { kUnknown, kReachable, kUnreachable };
  const Clock::duration repeat_;
  State state_ = State::kUnknown;  // as last reported
  Clock::time_point last_report_;
};

}  // namespace coord::transport
