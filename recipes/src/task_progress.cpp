// TaskProgress: create-only claim, CAS-chained throttled writes, terminal record without TTL.
// TaskMonitor: recursive watcher over the job directory; expire of a running task = lost.
#include "coord/recipes/task_progress.hpp"

#include <boost/json.hpp>

#include "coord/error.hpp"
#include "coord/recipes/lease.hpp"
#include "coord/recipes/owner_token.hpp"
#include "coord/recipes/recipe_error.hpp"
#include "coord/recipes/refresher.hpp"
#include "recipes/src/owned_value.hpp"
#include "recipes/src/queue_entry.hpp"
#include "recipes/src/recipe_util.hpp"

namespace coord::recipes {

namespace json = boost::json;
using detail::Clock;

const char* to_string(TaskState state) {
  switch (state) {
    case TaskState::kRunning: return "running";
    case TaskState::kSucceeded: return "succeeded";
    case TaskState::kFailed: return "failed";
    case TaskState::kLost: return "lost";
  }
  return "?";
}

std::optional<TaskStatus> TaskStatus::from_node(const Node& node) {
  if (node.dir || !node.value) return std::nullopt;
  TaskStatus t;
  t.task = detail::base_name(node.key);
  t.created_index = node.created_index;
  t.modified_index = node.modified_index;
  try {
    json::object o = json::parse(*node.value).as_object();
    std::string state = json::value_to<std::string>(o.at("state"));
    t.state = state == "succeeded" ? TaskState::kSucceeded : state == "failed" ? TaskState::kFailed : TaskState::kRunning;
    t.fraction = o.at("fraction").to_number<double>();
    t.message = json::value_to<std::string>(o.at("message"));
    t.worker = json::value_to<std::string>(o.at("worker"));
    t.seq = o.at("seq").to_number<std::uint64_t>();
  } catch (...) {
    return std::nullopt;
  }
  return t;
}

struct TaskProgress::State {
  Client* client;
  std::string key;
  std::string token;  // unique to this TaskProgress (two workers may share a name)
  TaskProgressOptions options;  // options.on_lost moved into on_lost
  detail::SharedCallback<void(const std::string&)> on_lost;
  std::uint64_t seq = 0;
  double fraction = 0;
  std::string message;
  bool pending = false;
  std::atomic<bool> finished{false};
  Clock::time_point last_write;
  std::atomic<std::uint64_t> refresh_id{0};
  std::shared_ptr<Lease> lease;  // constant after construction
};

namespace {

std::string encode(const TaskProgress::State& s, TaskState state) {
  return json::serialize(json::object{{"state", to_string(state)}, {"fraction", s.fraction}, {"message", s.message},
                                      {"worker", s.options.worker}, {"seq", s.seq}, {"token", s.token}});
}

}  // namespace

TaskProgress::TaskProgress(Client& client, std::string job, std::string task, TaskProgressOptions options)
    : s_(std::make_unique<State>()) {
  s_->client = &client;
  s_->key = detail::join_key(detail::join_key(options.prefix, job), task);
  s_->token = make_owner_token();
  if (options.worker.empty()) options.worker = s_->token;
  s_->on_lost = detail::share_callback(std::move(options.on_lost));
  s_->options = std::move(options);
  std::string value = encode(*s_, TaskState::kRunning);
  auto sent = Clock::now();
  try {
    client.create(s_->key, value, SetOptions{.ttl = s_->options.ttl});
  } catch (const TransportError& e) {
    if (detail::is_fatal(e)) throw;
    // The create may have applied (or may still): the key is ours when it holds our unique value.
    sent = detail::adopt_or_withdraw(client, s_->key, value, s_->options.ttl).second;
  }
  s_->last_write = sent;
  s_->lease = std::make_shared<Lease>(s_->options.ttl, sent);
  // The callback may destroy this TaskProgress: the wrapper owns the callable, not the State.
  s_->refresh_id = Refresher::shared().add(client, Refresher::Entry{s_->key, s_->options.ttl, value, sent,
                                                                    [on_lost = s_->on_lost](const std::string& why) {
                                                                      if (on_lost) (*on_lost)(why);
                                                                    },
                                                                    s_->lease});
}

TaskProgress::~TaskProgress() {
  if (!s_ || s_->finished) return;
  try {
    s_->message = "abandoned";
    write(TaskState::kFailed, true);
  } catch (...) {
  }
  if (auto id = s_->refresh_id.exchange(0)) Refresher::shared().remove(id);
  s_->lease->end();
}

TaskProgress::TaskProgress(TaskProgress&&) noexcept = default;

void TaskProgress::write(TaskState state, bool terminal) {
  State& s = *s_;
  if (s.finished) throw RecipeError(RecipeError::Kind::kState, "TaskProgress: task " + s.key + " is finished");
  if (!s.lease->held()) throw RecipeError(RecipeError::Kind::kLost, "TaskProgress: task key " + s.key + " was lost");
  std::string prev = detail::current_owned_value(*s.client, s.refresh_id, s.key, *s.lease, "TaskProgress");
  ++s.seq;
  std::string value = encode(s, state);
  auto sent = Clock::now();
  std::uint64_t id = s.refresh_id;
  if (terminal) {
    // The refresher must not touch the key after the terminal write (it would give it a TTL).
    if (auto old = s.refresh_id.exchange(0)) Refresher::shared().remove(old);
    id = 0;
    s.finished = true;
    s.lease->end();
  }
  std::optional<std::chrono::seconds> ttl = terminal ? s.options.retention : std::optional(s.options.ttl);
  detail::rewrite_owned_value(*s.client, id, s.key, prev, value, ttl, *s.lease, "TaskProgress");
  s.pending = false;
  s.last_write = sent;
}

bool TaskProgress::report(double fraction, std::string message) {
  s_->fraction = fraction;
  s_->message = std::move(message);
  s_->pending = true;
  if (Clock::now() - s_->last_write < s_->options.min_interval) return false;
  write(TaskState::kRunning, false);
  return true;
}

void TaskProgress::flush() {
  if (s_->pending && !s_->finished) write(TaskState::kRunning, false);
}

void TaskProgress::complete(std::string message) {
  s_->fraction = 1.0;
  s_->message = std::move(message);
  write(TaskState::kSucceeded, true);
}

void TaskProgress::fail(std::string message) {
  s_->message = std::move(message);
  write(TaskState::kFailed, true);
}

bool TaskProgress::alive() const { return s_ && !s_->finished && s_->lease->held(); }

std::stop_token TaskProgress::stop_token() const { return s_ ? s_->lease->stop_token() : std::stop_token{}; }
const std::string& TaskProgress::key() const { return s_->key; }

// ------------------------------------------------------------------ TaskMonitor

TaskMonitor::TaskMonitor(Client& client, std::string job, Callback on_change, std::string prefix)
    : dir_(detail::join_key(prefix, job)), callback_(std::make_shared<CallbackState>()) {
  callback_->callback = std::move(on_change);
  watcher_ = std::make_unique<Watcher>(client, dir_, [this](const WatchEvent& ev) { on_event(ev); },
                                       WatcherOptions{.recursive = true});
}

TaskMonitor::~TaskMonitor() {
  callback_->destroyed = true;
  watcher_.reset();
}

void TaskMonitor::on_event(const WatchEvent& ev) {
  std::vector<TaskStatus> changed;
  {
    std::lock_guard lock(mu_);
    ++version_;
    const Response& r = ev.response;
    if (ev.type != WatchEvent::Type::kEvent) {
      std::map<std::string, TaskStatus> fresh;
      if (ev.exists) {
        for (const Node& n : r.node.nodes) {
          if (auto t = TaskStatus::from_node(n)) fresh[t->task] = *t;
        }
      }
      // Tasks that vanished while we were not looking are reported lost unless they had finished.
      for (auto& [name, t] : tasks_) {
        if (!fresh.count(name) && t.state == TaskState::kRunning) {
          t.state = TaskState::kLost;
          fresh[name] = t;
        }
      }
      tasks_ = std::move(fresh);
      for (const auto& [name, t] : tasks_) changed.push_back(t);
      ready_ = true;
    } else if (r.action == "expire") {
      auto it = tasks_.find(detail::base_name(r.node.key));
      if (it != tasks_.end()) {
        it->second.state = TaskState::kLost;
        it->second.modified_index = r.node.modified_index;
        changed.push_back(it->second);
      }
    } else if (detail::is_removal(r.action)) {
      tasks_.erase(detail::base_name(r.node.key));
    } else if (auto t = TaskStatus::from_node(r.node)) {
      tasks_[t->task] = *t;
      changed.push_back(*t);
    }
  }
  cv_.notify_all();
  std::shared_ptr<CallbackState> cb = callback_;  // outlives `this` if the callback destroys it
  if (!cb->callback) return;
  for (const TaskStatus& t : changed) {
    if (cb->destroyed) return;
    cb->callback(t);
  }
}

std::map<std::string, TaskStatus> TaskMonitor::tasks() const {
  std::lock_guard lock(mu_);
  return tasks_;
}

bool TaskMonitor::wait_until(const std::function<bool(const std::map<std::string, TaskStatus>&)>& predicate,
                             std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mu_);
  return detail::wait_for_view(lock, cv_, deadline, ready_, version_, [&] { return tasks_; }, predicate);
}

}  // namespace coord::recipes
