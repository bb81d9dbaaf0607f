#include "server/store/watcher_hub.hpp"

#include <algorithm>
#include <unordered_set>
#include <utility>

#include "server/common/check.hpp"

namespace coord::store {

WatchId WatcherHub::add(std::string key, bool recursive, bool stream, std::uint64_t since,
                        WatchSink sink) {
  WatchId id = next_id_++;
  key_of_id_.emplace(id, key);
  by_key_[std::move(key)].push_back(
      Watcher{id, recursive, stream, since, std::make_shared<const WatchSink>(std::move(sink))});
  ++count_;
  return id;
}

void WatcherHub::remove(WatchId id) { erase_now(id); }

void WatcherHub::erase_now(WatchId id) {
  auto it = key_of_id_.find(id);
  if (it == key_of_id_.end()) return;
  auto list = by_key_.find(it->second);
  COORD_CHECK(list != by_key_.end(), "watcher id without its key list");
  auto& ws = list->second;
  for (auto w = ws.begin(); w != ws.end(); ++w) {
    if (w->id == id) {
      ws.erase(w);
      break;
    }
  }
  if (ws.empty()) by_key_.erase(list);
  key_of_id_.erase(it);
  --count_;
}

bool WatcherHub::hidden_below(std::string_view watched, std::string_view key) {
  if (key.size() <= watched.size()) return false;
  std::string_view below = key.substr(watched.size());
  if (below.front() != '/') {
    if (watched != "/") return false;  // not below at all
    if (below.front() == '_') return true;
  }
  return below.find("/_") != std::string_view::npos;
}

void WatcherHub::collect(const EventPtr& e, const HashedKey& path, bool removed, FanOut& out,
                         std::uint32_t& event_slot, std::vector<WatchId>& ended) const {
  auto list = by_key_.find(path);
  if (list == by_key_.end()) return;
  const std::string& key = e->node.key;
  bool exact = key == path.key;
  if (!exact && !removed && hidden_below(path.key, key)) return;
  const std::vector<Watcher>& ws = list->second;
  out.targets_.reserve(out.targets_.size() + ws.size());
  for (const Watcher& w : ws) {
    if (!(w.recursive || exact || removed) || e->index() < w.since) continue;
    if (event_slot == kNoSlot) {
      event_slot = static_cast<std::uint32_t>(out.events_.size());
      out.events_.push_back(e);
    }
    out.targets_.push_back(FanOut::Target{w.sink, w.id, w.stream, event_slot});
    if (!w.stream) ended.push_back(w.id);
  }
}

void WatcherHub::notify(const EventPtr& e, const std::vector<std::string>& removed_paths, FanOut& out) {
  if (by_key_.empty()) return;
  std::uint32_t event_slot = kNoSlot;
  std::vector<WatchId> ended;
  for (const std::string& p : removed_paths) collect(e, HashedKey{p, KeyHash{}(p)}, true, out, event_slot, ended);
  // Walk "/", "/a", "/a/b" for the event key "/a/b", extending one running hash (KeyHash).
  const std::string_view key = e->node.key;
  collect(e, HashedKey{"/", KeyHash{}(std::string_view("/"))}, false, out, event_slot, ended);
  std::uint64_t h = fnv_extend(kFnvOffset, key.substr(0, 1));
  for (std::size_t pos = 1; pos <= key.size(); ++pos) {
    if (pos == key.size() || key[pos] == '/') collect(e, HashedKey{key.substr(0, pos), h}, false, out, event_slot, ended);
    if (pos < key.size()) h = fnv_extend(h, key.substr(pos, 1));
  }
  // One-shot watchers are gone before the next event is collected: each fires exactly once,
  // even when several events of one round reach it before `out` runs.
  erase_batch(ended);
}

void WatcherHub::erase_batch(std::vector<WatchId>& ids) {
  if (ids.size() < 4) {
    for (WatchId id : ids) erase_now(id);
    return;
  }
  // One pass per key list, not one scan per watcher: an event that ends 10k one-shot watches
  // on one key must not cost 10k x 10k. Looked up in the sorted ids (collected in list order,
  // so mostly sorted already), not in a hash set of them, which allocated a node per id; and
  // each id's key compared with the previous one's before it is hashed into `keys`.
  std::sort(ids.begin(), ids.end());
  std::unordered_set<std::string> keys;
  const std::string* last = nullptr;  // the key of the previous id: consecutive ids share one
  for (WatchId id : ids) {
    const auto it = key_of_id_.find(id);
    if (it == key_of_id_.end()) continue;
    if (last == nullptr || *last != it->second) last = &*keys.insert(it->second).first;
    key_of_id_.erase(it);
  }
  for (const std::string& key : keys) {
    auto list = by_key_.find(key);
    if (list == by_key_.end()) continue;
    auto& ws = list->second;
    const auto before = ws.size();
    std::erase_if(ws, [&](const Watcher& w) { return std::binary_search(ids.begin(), ids.end(), w.id); });
    count_ -= before - ws.size();
    if (ws.empty()) by_key_.erase(list);
  }
}

std::vector<std::string> WatcherHub::watched_below(std::string_view dir_key) const {
  std::vector<std::string> out;
  for (const auto& [k, ws] : by_key_) {
    if (k.size() > dir_key.size() && k.compare(0, dir_key.size(), dir_key) == 0 &&
        k[dir_key.size()] == '/') {
      out.push_back(k);
    }
  }
  return out;
}

}  // namespace coord::store
