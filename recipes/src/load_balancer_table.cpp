// LoadBalancerTable: apply watch events to an id → instance map; pick with smooth weighted RR.
#include "coord/recipes/load_balancer_table.hpp"

#include "recipes/src/recipe_util.hpp"

namespace coord::recipes {

int WeightedRoundRobin::next(const std::vector<std::pair<std::string, std::uint32_t>>& weights) {
  if (weights.empty()) return -1;
  std::int64_t total = 0;
  int best = -1;
  std::map<std::string, std::int64_t> kept;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    std::int64_t& s = kept[weights[i].first];
    s = score_[weights[i].first] + weights[i].second;
    total += weights[i].second;
    if (best < 0 || s > kept[weights[best].first]) best = static_cast<int>(i);
  }
  kept[weights[best].first] -= total;
  score_ = std::move(kept);  // ids that left are forgotten
  return best;
}

LoadBalancerTable::LoadBalancerTable(Client& client, std::string service, LoadBalancerOptions options)
    : options_(std::move(options)),
      on_change_(detail::share_callback(std::move(options_.on_change))),
      dir_(detail::join_key(options_.prefix, service)) {
  WatcherOptions w{.recursive = true, .confirm_after = options_.confirm_after};
  w.on_error = [this](std::exception_ptr) {
    std::lock_guard lock(mu_);
    stale_ = true;
  };
  watcher_ = std::make_unique<Watcher>(client, dir_, [this](const WatchEvent& ev) { on_event(ev); }, w);
}

LoadBalancerTable::~LoadBalancerTable() { watcher_.reset(); }

void LoadBalancerTable::on_event(const WatchEvent& ev) {
  std::vector<ServiceInstance> now;
  {
    std::lock_guard lock(mu_);
    ++version_;
    stale_ = false;
    const Response& r = ev.response;
    if (ev.type != WatchEvent::Type::kEvent) {
      by_id_.clear();
      if (ev.exists) {
        for (const Node& n : r.node.nodes) {
          if (auto i = ServiceInstance::from_node(n)) by_id_[i->id] = std::move(*i);
        }
      }
      // A resync that lists too few of the instances served so far starts a panic (a panic
      // already running keeps its healthy list). The first snapshot has nothing to compare with.
      if (ev.type == WatchEvent::Type::kResync && kept_.empty() &&
          static_cast<double>(by_id_.size()) < options_.resync_panic_threshold * static_cast<double>(served_.size())) {
        kept_ = served_;
        healthy_size_ = served_.size();
      }
      ready_ = true;
    } else if (detail::is_removal(r.action)) {
      if (r.node.key == dir_) {
        by_id_.clear();  // the whole service directory went away
        kept_.clear();
      } else {
        by_id_.erase(detail::base_name(r.node.key));
        kept_.erase(detail::base_name(r.node.key));
      }
    } else if (auto i = ServiceInstance::from_node(r.node)) {
      // A new incarnation (the instance restarted) starts without the old one's ejection.
      if (auto old = served_.find(i->id); old != served_.end() && old->second.created_index != i->created_index) {
        ejected_until_.erase(i->id);
      }
      by_id_[i->id] = std::move(*i);
    }
    update_served_locked();
    now = list_locked();
  }
  cv_.notify_all();
  // Last: the callback may destroy the table, so nothing touches a member after it.
  if (auto on_change = on_change_) (*on_change)(now);
}

void LoadBalancerTable::update_served_locked() {
  if (!kept_.empty() &&
      static_cast<double>(by_id_.size()) >= options_.resync_panic_threshold * static_cast<double>(healthy_size_)) {
    kept_.clear();  // the server lists enough again: believe it
  }
  if (kept_.empty()) {
    served_ = by_id_;
    return;
  }
  served_ = kept_;
  for (const auto& [id, i] : by_id_) served_[id] = i;
}

std::vector<ServiceInstance> LoadBalancerTable::list_locked() const {
  std::vector<ServiceInstance> out;
  for (const auto& [id, i] : served_) out.push_back(i);
  return out;
}

std::optional<ServiceInstance> LoadBalancerTable::next() {
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  std::erase_if(ejected_until_, [&](const auto& kv) { return kv.second <= now || !served_.count(kv.first); });
  std::size_t healthy = served_.size() - ejected_until_.size();
  bool panic = static_cast<double>(healthy) < options_.panic_threshold * static_cast<double>(served_.size());
  std::vector<std::pair<std::string, std::uint32_t>> weights;
  for (const auto& [id, i] : served_) {
    if (panic || !ejected_until_.count(id)) weights.emplace_back(id, i.weight());
  }
  int k = picker_.next(weights);
  if (k < 0) return std::nullopt;
  return served_.at(weights[k].first);
}

void LoadBalancerTable::report_failure(const std::string& id) {
  std::lock_guard lock(mu_);
  if (served_.count(id)) ejected_until_[id] = std::chrono::steady_clock::now() + options_.ejection_time;
}

std::vector<std::string> LoadBalancerTable::ejected() const {
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  std::vector<std::string> out;
  for (const auto& [id, until] : ejected_until_) {
    if (until > now && served_.count(id)) out.push_back(id);
  }
  return out;
}

std::vector<ServiceInstance> LoadBalancerTable::instances() const {
  std::lock_guard lock(mu_);
  return list_locked();
}

bool LoadBalancerTable::ready() const {
  std::lock_guard lock(mu_);
  return ready_;
}

bool LoadBalancerTable::stale() const {
  std::lock_guard lock(mu_);
  return stale_;
}

bool LoadBalancerTable::panicking() const {
  std::lock_guard lock(mu_);
  return !kept_.empty();
}

bool LoadBalancerTable::wait_until(const std::function<bool(const std::vector<ServiceInstance>&)>& predicate,
                                   std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mu_);
  return detail::wait_for_view(lock, cv_, deadline, ready_, version_, [&] { return list_locked(); }, predicate);
}

}  // namespace coord::recipes
