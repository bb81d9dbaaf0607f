// ConfigWatcher: a recursive Watcher whose snapshot/resync answers are flattened into a
// name → value map; a resync is diffed against the previous map so subscribers still get
// per-key changes.
#include "coord/recipes/config_watcher.hpp"

#include <vector>

#include "recipes/src/recipe_util.hpp"

namespace coord::recipes {

ConfigWatcher::ConfigWatcher(Client& client, std::string directory, Callback callback)
    : dir_(detail::join_key("/", directory)), callback_(std::make_shared<CallbackState>()) {
  callback_->callback = std::move(callback);
  watcher_ = std::make_unique<Watcher>(client, dir_, [this](const WatchEvent& ev) { on_event(ev); },
                                       WatcherOptions{.recursive = true});
}

ConfigWatcher::~ConfigWatcher() {
  callback_->destroyed = true;
  watcher_.reset();
}

Response ConfigWatcher::publish(Client& client, std::string_view directory, std::string_view name,
                                std::string_view value) {
  return client.set(detail::join_key(directory, name), value);
}

std::string ConfigWatcher::relative(const std::string& key) const {
  if (key.size() > dir_.size() && key.compare(0, dir_.size(), dir_) == 0) return key.substr(dir_.size() + 1);
  return key;
}

void ConfigWatcher::load(const Node& node, std::map<std::string, std::string>& out) const {
  for (const Node& n : node.nodes) {
    if (n.dir) {
      load(n, out);
    } else if (n.value) {
      out[relative(n.key)] = *n.value;
    }
  }
}

void ConfigWatcher::on_event(const WatchEvent& ev) {
  std::vector<ConfigChange> changes;
  std::map<std::string, std::string> all;
  {
    std::lock_guard lock(mu_);
    const Response& r = ev.response;
    if (ev.type == WatchEvent::Type::kEvent) {
      std::string name = relative(r.node.key);
      if (detail::is_removal(r.action)) {
        if (r.node.dir || r.node.key == dir_) {
          std::string prefix = r.node.key == dir_ ? "" : name + "/";
          for (auto it = values_.begin(); it != values_.end();) {
            if (it->first.rfind(prefix, 0) == 0) {
              changes.push_back({ConfigChange::Kind::kDelete, it->first, std::nullopt, r.node.modified_index});
              it = values_.erase(it);
            } else {
              ++it;
            }
          }
        } else if (values_.erase(name)) {
          changes.push_back({ConfigChange::Kind::kDelete, name, std::nullopt, r.node.modified_index});
        }
      } else if (!r.node.dir && r.node.value) {
        values_[name] = *r.node.value;
        changes.push_back({ConfigChange::Kind::kSet, name, r.node.value, r.node.modified_index});
      }
    } else {
      std::map<std::string, std::string> fresh;
      if (ev.exists) load(r.node, fresh);
      if (ev.type == WatchEvent::Type::kResync) {
        for (const auto& [k, v] : values_) {
          if (!fresh.count(k)) changes.push_back({ConfigChange::Kind::kDelete, k, std::nullopt, r.etcd_index, true});
        }
        for (const auto& [k, v] : fresh) {
          auto it = values_.find(k);
          if (it == values_.end() || it->second != v) changes.push_back({ConfigChange::Kind::kSet, k, v, r.etcd_index, true});
        }
      } else {
        changes.push_back({ConfigChange::Kind::kSnapshot, "", std::nullopt, r.etcd_index});
      }
      values_ = std::move(fresh);
      ready_ = true;
    }
    all = values_;
  }
  cv_.notify_all();
  std::shared_ptr<CallbackState> cb = callback_;  // outlives `this` if the callback destroys it
  if (!cb->callback) return;
  for (const ConfigChange& c : changes) {
    if (cb->destroyed) return;
    cb->callback(c, all);
  }
}

std::map<std::string, std::string> ConfigWatcher::snapshot() const {
  std::lock_guard lock(mu_);
  return values_;
}

std::optional<std::string> ConfigWatcher::get(std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = values_.find(std::string(name));
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

bool ConfigWatcher::wait_ready(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return ready_; });
}

std::uint64_t ConfigWatcher::resync_count() const { return watcher_->resync_count(); }

}  // namespace coord::recipes
