#include "server/raft/unstable.hpp"

#include <iterator>
#include <utility>

#include "server/common/check.hpp"

namespace coord::raft {

std::optional<std::uint64_t> Unstable::maybe_first_index() const {
  if (snapshot_) return snapshot_->metadata.index + 1;
  return std::nullopt;
}

std::optional<std::uint64_t> Unstable::maybe_last_index() const {
  if (!entries_.empty()) return offset_ + entries_.size() - 1;
  if (snapshot_) return snapshot_->metadata.index;
  return std::nullopt;
}

std::optional<std::uint64_t> Unstable::maybe_term(std::uint64_t i) const {
  if (i < offset_) {
    if (snapshot_ && snapshot_->metadata.index == i) return snapshot_->metadata.term;
    return std::nullopt;
  }
  auto last = maybe_last_index();
  if (!last || i > *last) return std::nullopt;
  return entries_[i - offset_].term;
}

void Unstable::stable_to(std::uint64_t i, std::uint64_t t) {
  auto gt = maybe_term(i);
  // Only forget entries that are still the ones persisted: if the term differs, the entries
  // were replaced by a newer leader's after the Ready was taken.
  if (!gt || *gt != t || i < offset_) return;
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(i + 1 - offset_));
  offset_ = i + 1;
}

void Unstable::stable_snap_to(std::uint64_t i) {
  if (snapshot_ && snapshot_->metadata.index == i) snapshot_.reset();
}

void Unstable::restore(const Snapshot& s) {
  offset_ = s.metadata.index + 1;
  entries_.clear();
  snapshot_ = s;
}

void Unstable::truncate_and_append(std::vector<Entry>&& ents) {
  if (ents.empty()) return;
  std::uint64_t after = ents.front().index;
  if (after == offset_ + entries_.size()) {
    // Directly after the current tail.
  } else if (after <= offset_) {
    // Replaces every unstable entry (and possibly persisted ones, which storage will overwrite).
    offset_ = after;
    entries_.clear();
  } else {
    entries_.resize(after - offset_);
  }
  if (entries_.empty()) {
    entries_ = std::move(ents);
  } else {
    entries_.insert(entries_.end(), std::make_move_iterator(ents.begin()),
                    std::make_move_iterator(ents.end()));
  }
}

std::vector<Entry> Unstable::slice(std::uint64_t lo, std::uint64_t hi) const {
  COORD_CHECK(lo <= hi && lo >= offset_ && hi <= offset_ + entries_.size(),
              "unstable slice out of bounds");
  return {entries_.begin() + static_cast<std::ptrdiff_t>(lo - offset_),
          entries_.begin() + static_cast<std::ptrdiff_t>(hi - offset_)};
}

}  // namespace coord::raft
