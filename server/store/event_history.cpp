#include "server/store/event_history.hpp"

#include <utility>

#include "server/common/check.hpp"

namespace coord::store {

EventHistory::EventHistory(std::size_t capacity) : ring_(capacity) {
  COORD_CHECK(capacity > 0, "event history needs room");
}

void EventHistory::add(std::uint64_t index, EventPtr event) {
  // Invariant: slots hold consecutive indexes, so scan() can find a waitIndex by offset.
  COORD_CHECK(size_ == 0 || index == last_index() + 1, "event history indexes must be consecutive");
  std::size_t pos = (front_ + size_) % ring_.size();
  ring_[pos] = Slot{index, std::move(event)};
  if (size_ < ring_.size()) {
    ++size_;
  } else {
    front_ = (front_ + 1) % ring_.size();
  }
}

void EventHistory::clear() {
  for (auto& s : ring_) s = Slot{};
  front_ = 0;
  size_ = 0;
}

std::uint64_t EventHistory::start_index() const { return size_ == 0 ? 0 : ring_[front_].index; }

std::uint64_t EventHistory::last_index() const {
  return size_ == 0 ? 0 : ring_[(front_ + size_ - 1) % ring_.size()].index;
}

bool EventHistory::matches(const Event& e, std::string_view key, bool recursive) {
  const std::string& k = e.node.key;
  if (k == key) return true;
  if (recursive) {
    // "/w" must reach "/w/x" but not "/wx": compare with a trailing slash.
    bool slash = !key.empty() && key.back() == '/';
    if (k.size() > key.size() && k.compare(0, key.size(), key) == 0 &&
        (slash || k[key.size()] == '/')) {
      return true;
    }
  }
  // etcd's prefix rule for a removed dir is a plain byte prefix (no slash): kept as is.
  if ((e.action == action::kDelete || e.action == action::kExpire) && e.prev_node &&
      e.prev_node->dir) {
    const std::string& d = e.prev_node->key;
    if (key.size() >= d.size() && key.compare(0, d.size(), d) == 0) return true;
  }
  return false;
}

EventHistory::ScanResult EventHistory::scan(std::string_view key, bool recursive,
                                            std::uint64_t since) const {
  ScanResult r;
  if (size_ == 0) return r;  // like etcd's empty history: everything is "future"
  std::uint64_t start = start_index();
  if (since < start) {
    r.cleared_start = start;
    return r;
  }
  if (since > last_index()) return r;
  for (std::size_t off = since - start; off < size_; ++off) {
    const Slot& s = ring_[(front_ + off) % ring_.size()];
    if (s.event == nullptr || s.event->refresh) continue;
    if (matches(*s.event, key, recursive)) {
      r.event = s.event;
      return r;
    }
  }
  return r;
}

}  // namespace coord::store
