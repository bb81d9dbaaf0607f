#include "server/raft/raft_log.hpp"

#include <algorithm>
#include <string>

#include "server/common/check.hpp"

namespace coord::raft {

namespace {
std::uint64_t storage_last_index(const Storage* s) { return s->last_index(); }
}  // namespace

RaftLog::RaftLog(Storage* storage)
    : storage_(storage), unstable_(storage_last_index(storage) + 1) {
  committed_ = storage->first_index() - 1;
  applied_ = committed_;
}

std::uint64_t RaftLog::first_index() const {
  if (auto i = unstable_.maybe_first_index()) return *i;
  return storage_->first_index();
}

std::uint64_t RaftLog::last_index() const {
  if (auto i = unstable_.maybe_last_index()) return *i;
  return storage_->last_index();
}

std::uint64_t RaftLog::last_term() const {
  auto t = term(last_index());
  COORD_CHECK(t.is_ok(), "term of the last index must be known");
  return *t;
}

Result<std::uint64_t> RaftLog::term(std::uint64_t i) const {
  // The valid range is [first_index - 1, last_index].
  std::uint64_t dummy = first_index() - 1;
  if (i < dummy) return err_compacted();
  if (i > last_index()) return std::uint64_t{0};
  if (auto t = unstable_.maybe_term(i)) return *t;
  auto t = storage_->term(i);
  if (t.is_ok()) return t;
  if (is_compacted(t.status()) || is_unavailable(t.status())) return t.status();
  COORD_CHECK(false, "unexpected storage error reading a term");
  return t;
}

std::uint64_t RaftLog::term_or_zero(std::uint64_t i) const {
  auto t = term(i);
  return t.is_ok() ? *t : 0;
}

bool RaftLog::match_term(std::uint64_t i, std::uint64_t t) const {
  auto got = term(i);
  return got.is_ok() && *got == t;
}

bool RaftLog::is_up_to_date(std::uint64_t lasti, std::uint64_t t) const {
  std::uint64_t lt = last_term();
  return t > lt || (t == lt && lasti >= last_index());
}

std::optional<std::uint64_t> RaftLog::maybe_append(std::uint64_t index, std::uint64_t log_term,
                                                   std::uint64_t committed,
                                                   const std::vector<Entry>& ents) {
  if (!match_term(index, log_term)) return std::nullopt;
  std::uint64_t last_new = index + ents.size();
  std::uint64_t ci = find_conflict(ents);
  if (ci != 0) {
    // Invariant: a committed entry is never overwritten (Leader Completeness).
    COORD_CHECK(ci > committed_, "conflicting entry is already committed");
    std::vector<Entry> rest(ents.begin() + static_cast<std::ptrdiff_t>(ci - (index + 1)), ents.end());
    append(std::move(rest));
  }
  commit_to(std::min(committed, last_new));
  return last_new;
}

std::uint64_t RaftLog::append(std::vector<Entry>&& ents) {
  if (ents.empty()) return last_index();
  COORD_CHECK(ents.front().index - 1 >= committed_, "append would overwrite committed entries");
  unstable_.truncate_and_append(std::move(ents));
  return last_index();
}

std::uint64_t RaftLog::find_conflict(const std::vector<Entry>& ents) const {
  for (const Entry& e : ents) {
    if (!match_term(e.index, e.term)) return e.index;
  }
  return 0;
}

std::pair<std::uint64_t, std::uint64_t> RaftLog::find_conflict_by_term(std::uint64_t index,
                                                                       std::uint64_t t) const {
  index = std::min(index, last_index());
  for (;;) {
    auto got = term(index);
    if (!got.is_ok()) return {index, 0};  // compacted: let the leader send a snapshot
    if (*got <= t || index == 0) return {index, *got};
    --index;
  }
}

Status RaftLog::check_bounds(std::uint64_t lo, std::uint64_t hi) const {
  COORD_CHECK(lo <= hi, "invalid slice bounds");
  if (lo < first_index()) return err_compacted();
  COORD_CHECK(hi <= last_index() + 1, "slice beyond the last index");
  return Status::ok();
}

Result<std::vector<Entry>> RaftLog::slice(std::uint64_t lo, std::uint64_t hi,
                                          std::uint64_t max_bytes) const {
  COORD_RETURN_IF_ERROR(check_bounds(lo, hi));
  std::vector<Entry> out;
  if (lo == hi) return out;
  std::uint64_t off = unstable_.offset();
  if (lo < off) {
    auto stored = storage_->entries(lo, std::min(hi, off), max_bytes);
    if (!stored.is_ok()) return stored.status();
    out = std::move(stored).value();
    // Storage returned fewer than asked: the byte limit was hit, stop here.
    if (out.size() < std::min(hi, off) - lo) return out;
  }
  if (hi > off) {
    std::uint64_t bytes = 0;
    for (const Entry& e : out) bytes += e.data.size();
    for (const Entry& e : unstable_.slice(std::max(lo, off), hi)) {
      bytes += e.data.size();
      if (!out.empty() && bytes > max_bytes) break;
      out.push_back(e);
    }
  }
  return out;
}

Result<std::vector<Entry>> RaftLog::entries_from(std::uint64_t i, std::uint64_t max_bytes) const {
  if (i > last_index()) return std::vector<Entry>{};
  return slice(i, last_index() + 1, max_bytes);
}

std::vector<Entry> RaftLog::next_entries() const {
  std::uint64_t lo = std::max(applied_ + 1, first_index());
  if (committed_ + 1 <= lo) return {};
  auto ents = slice(lo, committed_ + 1, kNoLimit);
  COORD_CHECK(ents.is_ok(), "committed entries must be readable");
  return std::move(ents).value();
}

bool RaftLog::has_next_entries() const {
  return committed_ + 1 > std::max(applied_ + 1, first_index());
}

Result<Snapshot> RaftLog::snapshot() const {
  if (unstable_.snapshot()) return *unstable_.snapshot();
  return storage_->snapshot();
}

bool RaftLog::maybe_commit(std::uint64_t max_index, std::uint64_t t) {
  if (max_index > committed_ && term_or_zero(max_index) == t) {
    commit_to(max_index);
    return true;
  }
  return false;
}

void RaftLog::commit_to(std::uint64_t to) {
  if (to <= committed_) return;  // Invariant: the commit index never decreases.
  COORD_CHECK(to <= last_index(), "commit index beyond the last index (corrupt or truncated log?)");
  committed_ = to;
}

void RaftLog::applied_to(std::uint64_t i) {
  if (i == 0) return;
  COORD_CHECK(i >= applied_ && i <= committed_, "applied index out of range");
  applied_ = i;
}

void RaftLog::restore(const Snapshot& s) {
  committed_ = s.metadata.index;
  unstable_.restore(s);
}

}  // namespace coord::raft
