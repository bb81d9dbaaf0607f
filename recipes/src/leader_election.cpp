// LeaderElection: a QueueEntry with one slot whose value carries the candidate's value;
// LeaderObservation: a recursive Watcher on the directory keeping the oldest entry.
// start(): the same QueueEntry driven by the election's own thread, which waits in short slices
// (so stop() interrupts it without giving up our place in the queue) and then waits for the
// leadership's lease to end.
#include "coord/recipes/leader_election.hpp"

#include <atomic>
#include <condition_variable>
#include <thread>
#include <map>
#include <mutex>

#include <boost/json.hpp>

#include "coord/recipes/lease.hpp"
#include "coord/recipes/owner_token.hpp"
#include "coord/recipes/recipe_error.hpp"
#include "recipes/src/queue_entry.hpp"
#include "recipes/src/recipe_util.hpp"

namespace coord::recipes {

namespace json = boost::json;

namespace {

// Entry values are {"owner": <unique token>, "value": <candidate value>}: unique for the
// owner-checked refresh, readable for observers.
std::string encode_candidate(const std::string& value) {
  return json::serialize(json::object{{"owner", make_owner_token()}, {"value", value}});
}

std::string decode_candidate(const std::string& raw) {
  try {
    json::value v = json::parse(raw);
    if (auto* o = v.if_object()) {
      if (auto* s = o->if_contains("value"); s && s->is_string()) return std::string(s->as_string());
    }
  } catch (...) {
  }
  return raw;
}

}  // namespace

// ------------------------------------------------------------------ LeaderObservation

struct LeaderObservation::State {
  mutable std::mutex mu;
  std::map<std::uint64_t, LeaderInfo> entries;  // by createdIndex; guarded by mu
  std::optional<LeaderInfo> reported;           // guarded by mu
  Callback callback;                            // constant
};

LeaderObservation::LeaderObservation(Client& client, std::string dir, Callback callback)
    : state_(std::make_shared<State>()) {
  state_->callback = std::move(callback);
  auto st = state_;
  auto on_event = [st](const WatchEvent& ev) {
    std::optional<LeaderInfo> now;
    bool changed = false;
    {
      std::lock_guard lock(st->mu);
      const Response& r = ev.response;
      if (ev.type != WatchEvent::Type::kEvent) {
        st->entries.clear();
        if (ev.exists) {
          for (const Node& n : r.node.nodes) {
            if (!n.dir) st->entries[n.created_index] = {decode_candidate(n.value.value_or("")), n.key, n.created_index};
          }
        }
      } else if (detail::is_removal(r.action)) {
        std::erase_if(st->entries, [&](const auto& kv) {
          return kv.second.key == r.node.key || kv.second.key.rfind(r.node.key + "/", 0) == 0;
        });
      } else if (!r.node.dir) {
        st->entries[r.node.created_index] = {decode_candidate(r.node.value.value_or("")), r.node.key,
                                             r.node.created_index};
      }
      if (!st->entries.empty()) now = st->entries.begin()->second;
      bool same = now.has_value() == st->reported.has_value() && (!now || now->key == st->reported->key);
      changed = !same || ev.type == WatchEvent::Type::kSnapshot;
      st->reported = now;
    }
    if (changed && st->callback) st->callback(now);
  };
  watcher_ = std::make_unique<Watcher>(client, std::move(dir), on_event, WatcherOptions{.recursive = true});
}

LeaderObservation::~LeaderObservation() { watcher_.reset(); }
LeaderObservation::LeaderObservation(LeaderObservation&&) noexcept = default;
LeaderObservation& LeaderObservation::operator=(LeaderObservation&&) noexcept = default;

std::optional<LeaderInfo> LeaderObservation::current() const {
  std::lock_guard lock(state_->mu);
  return state_->reported;
}

// ------------------------------------------------------------------ LeaderElection

struct LeaderElection::State {
  Client* client;
  std::string dir;
  ElectionOptions options;  // options.on_lost moved into on_lost
  detail::SharedCallback<void(const std::string&)> on_lost;
  std::unique_ptr<detail::QueueEntry> entry;  // owner thread
  // Any thread reads these; the owner thread writes them.
  std::atomic<std::shared_ptr<Lease>> lease;  // of the current (or last) leadership, once won
  std::atomic<std::uint64_t> term{0};
  // start(): the election's thread; it alone touches `entry` while it runs.
  std::jthread runner;
  // Set (on the election's thread) when a listener destroyed the election: no listener runs any
  // more and the thread ends.
  std::atomic<bool> abandoned{false};
  std::mutex run_mu;
  std::condition_variable_any run_cv;

  std::unique_ptr<detail::QueueEntry> make_entry(const std::string& value) {
    lease.store(nullptr);  // a new candidacy: nothing won yet
    State* sp = this;
    return std::make_unique<detail::QueueEntry>(*client, dir, options.ttl, encode_candidate(value),
                                                [sp, on_lost = on_lost](const std::string& why) {
                                                  // Only a won leadership is reported lost. The
                                                  // callback may destroy the election (and sp).
                                                  if (on_lost && sp->lease.load()) (*on_lost)(why);
                                                });
  }

  // Waits up to `d` unless stop is requested (a backoff, interruptible).
  void pause(std::stop_token st, std::chrono::milliseconds d) {
    std::unique_lock lock(run_mu);
    run_cv.wait_for(lock, st, d, [] { return false; });
  }

  // The election's thread (start()).
  void run(std::string value, std::stop_token st);
  // Leader until the lease ends or stop is requested; returns on_revoked's reason.
  std::string hold(const std::shared_ptr<Lease>& held, std::stop_token st);
};

void LeaderElection::State::run(std::string value, std::stop_token st) {
  // A slice of waiting for our turn: short so that stop() is prompt; the entry stays queued.
  constexpr std::chrono::milliseconds kSlice{200};
  constexpr std::chrono::milliseconds kBackoff{500};
  while (!st.stop_requested()) {
    bool elected = false;
    try {
      entry = make_entry(value);
      entry->enqueue();
      while (!st.stop_requested() && !elected) elected = entry->wait_turn(1, Clock::now() + kSlice);
    } catch (...) {
      // The cluster failed us or our candidate entry expired before it won: never leader, so
      // nothing to revoke; campaign again after a pause.
      entry.reset();
      pause(st, kBackoff);
      continue;
    }
    if (!elected) break;  // stopped while queued
    term = entry->created_index();
    auto held = entry->lease();
    lease = held;
    if (options.on_elected) options.on_elected(term.load());
    std::string reason = hold(held, st);
    // The user hears of the end before our entry goes, so a successor never overlaps a leader
    // that stopped on request.
    if (options.on_revoked && !abandoned) options.on_revoked(reason);
    entry.reset();
    if (reason == "stopped" || !options.auto_requeue) break;
  }
  entry.reset();
}

std::string LeaderElection::State::hold(const std::shared_ptr<Lease>& held, std::stop_token st) {
  {
    // Wakes the wait below when the lease is lost (registered outside the lock: it may run at once).
    std::stop_callback wake(held->stop_token(), [this] {
      std::lock_guard lock(run_mu);
      run_cv.notify_all();
    });
    std::unique_lock lock(run_mu);
    // The deadline moves with each refresh: wait up to the current one, then look again.
    while (!st.stop_requested() && held->held()) {
      run_cv.wait_until(lock, st, held->deadline(), [&] { return held->stop_token().stop_requested(); });
      if (held->stop_token().stop_requested()) break;
    }
  }
  if (st.stop_requested() && held->held()) return "stopped";
  std::string why = held->lost_reason();
  return why.empty() ? "lease deadline passed without a refresh" : why;
}

LeaderElection::LeaderElection(Client& client, std::string name, ElectionOptions options)
    : s_(std::make_shared<State>()) {
  s_->client = &client;
  s_->dir = detail::join_key(options.prefix, name);
  s_->on_lost = detail::share_callback(std::move(options.on_lost));
  s_->options = std::move(options);
}

LeaderElection::~LeaderElection() {
  if (s_) resign();
}
LeaderElection::LeaderElection(LeaderElection&&) noexcept = default;
LeaderElection& LeaderElection::operator=(LeaderElection&& other) noexcept {
  if (this != &other) {
    if (s_) resign();
    s_ = std::move(other.s_);
  }
  return *this;
}

void LeaderElection::campaign(std::string value) {
  campaign_for(std::move(value), std::chrono::milliseconds::max());
}

bool LeaderElection::campaign_for(std::string value, std::chrono::milliseconds timeout) {
  State& s = *s_;
  if (s.entry || s.runner.joinable()) throw RecipeError(RecipeError::Kind::kState, "LeaderElection: already campaigning");
  std::optional<Clock::time_point> deadline;
  if (timeout != std::chrono::milliseconds::max()) deadline = Clock::now() + timeout;
  s.entry = s.make_entry(value);
  try {
    s.entry->enqueue();
    if (!s.entry->wait_turn(1, deadline)) {
      s.entry.reset();
      return false;
    }
  } catch (...) {
    s.entry.reset();
    throw;
  }
  s.term = s.entry->created_index();
  s.lease = s.entry->lease();
  return true;
}

void LeaderElection::resign() noexcept {
  stop();
  s_->entry.reset();  // leave(): ends the lease, removes our entry
}

void LeaderElection::start(std::string value) {
  State& s = *s_;
  if (s.entry || s.runner.joinable()) throw RecipeError(RecipeError::Kind::kState, "LeaderElection: already campaigning");
  // The thread owns a reference: a listener may destroy the election while the thread runs.
  // It starts by taking run_mu, held here until `runner` is assigned (stop() may read it there).
  std::lock_guard started(s.run_mu);
  s.runner = std::jthread([sp = s_, value = std::move(value)](std::stop_token st) {
    { std::lock_guard assigned(sp->run_mu); }
    sp->run(value, st);
  });
}

void LeaderElection::stop() noexcept {
  if (!s_ || !s_->runner.joinable()) return;
  s_->runner.request_stop();
  if (s_->runner.get_id() == std::this_thread::get_id()) {
    // A listener is destroying the election on the election's own thread, which cannot join
    // itself: it calls no listener any more and ends once the listener returns.
    s_->abandoned = true;
    s_->runner.detach();
    return;
  }
  s_->runner.join();
}

bool LeaderElection::started() const { return s_ && s_->runner.joinable(); }

bool LeaderElection::is_leader() const {
  if (!s_) return false;
  auto lease = s_->lease.load();
  return lease && lease->held();
}

std::stop_token LeaderElection::stop_token() const {
  auto lease = s_ ? s_->lease.load() : nullptr;
  return lease ? lease->stop_token() : std::stop_token{};
}
std::uint64_t LeaderElection::term() const { return s_->term.load(); }
const std::string& LeaderElection::directory() const { return s_->dir; }

std::optional<LeaderInfo> LeaderElection::leader() const {
  auto entries = detail::QueueEntry::list(*s_->client, s_->dir, nullptr, std::chrono::seconds(5));
  if (entries.empty()) return std::nullopt;
  return LeaderInfo{decode_candidate(entries.front().value), entries.front().key, entries.front().created_index};
}

LeaderObservation LeaderElection::observe(LeaderObservation::Callback callback) const {
  return LeaderObservation(*s_->client, s_->dir, std::move(callback));
}

}  // namespace coord::recipes
