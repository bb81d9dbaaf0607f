// ServiceRegistry / Registration: create-only TTL key + refresher; CAS on metadata change;
// owner-checked delete on deregistration.
#include "coord/recipes/service_registry.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <tuple>

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

std::uint32_t ServiceInstance::weight() const {
  if (auto* w = metadata.if_contains("weight")) {
    if (w->is_int64() && w->as_int64() > 0) return static_cast<std::uint32_t>(std::min<std::int64_t>(w->as_int64(), 1000000));
    if (w->is_uint64() && w->as_uint64() > 0) return static_cast<std::uint32_t>(std::min<std::uint64_t>(w->as_uint64(), 1000000));
    if (w->is_double() && w->as_double() >= 1) return static_cast<std::uint32_t>(std::min(w->as_double(), 1e6));
  }
  return 1;
}

std::optional<ServiceInstance> ServiceInstance::from_node(const Node& node) {
  if (node.dir || !node.value) return std::nullopt;
  ServiceInstance out;
  out.id = detail::base_name(node.key);
  out.created_index = node.created_index;
  out.modified_index = node.modified_index;
  try {
    json::value v = json::parse(*node.value);
    const json::object& o = v.as_object();
    if (auto* e = o.if_contains("endpoint"); e && e->is_string()) out.endpoint = std::string(e->as_string());
    if (auto* m = o.if_contains("metadata"); m && m->is_object()) out.metadata = m->as_object();
  } catch (...) {
    out.endpoint = *node.value;  // a plain "host:port" value written by another tool
  }
  return out;
}

struct Registration::State : std::enable_shared_from_this<Registration::State> {
  // Constant after registration.
  Client* client;
  std::string key;
  std::string token;
  std::chrono::seconds ttl{};
  RegistryOptions options;
  detail::SharedCallback<void(const std::string&)> on_lost;
  // Any thread reads these.
  std::atomic<std::shared_ptr<Lease>> lease;
  std::atomic<std::uint64_t> incarnation{0};
  // Guarded by mu: the owner thread and the healer thread both change them (held across the
  // owner's metadata write, never by a loss callback).
  mutable std::mutex mu;
  ServiceInstance instance;
  std::uint64_t refresh_id = 0;  // 0: deregistered (a lost entry's id stays until healed)
  // The healer's wake-up: guarded by heal_mu, which is never held across I/O.
  std::mutex heal_mu;
  std::condition_variable_any heal_cv;
  bool heal_requested = false;
  std::jthread healer;  // runs heal() when options.reregister; stopped by deregister()
  std::atomic<bool> deregistered{false};
};

namespace {

std::string encode(const ServiceInstance& i, const std::string& token) {
  return json::serialize(json::object{{"id", i.id}, {"endpoint", i.endpoint}, {"metadata", i.metadata}, {"token", token}});
}

// Starts the lease of a key we hold with `value` (written or adopted by a request sent at
// `sent`) and its heartbeats. Under s.mu.
void start_lease(Registration::State& s, const Node& node, Lease::Clock::time_point sent, const std::string& value) {
  s.instance.created_index = node.created_index;
  s.instance.modified_index = node.modified_index;
  auto lease = std::make_shared<Lease>(s.ttl, sent);
  s.lease = lease;
  s.incarnation = node.created_index;
  std::weak_ptr<Registration::State> weak = s.weak_from_this();
  s.refresh_id = Refresher::shared().add(
      *s.client, Refresher::Entry{s.key, s.ttl, value, sent,
                                  [weak](const std::string& why) {
                                    // Keeps the State alive across the user's callback, which
                                    // may destroy the Registration (deregistering it).
                                    auto sp = weak.lock();
                                    if (!sp) return;
                                    if (sp->on_lost) (*sp->on_lost)(why);
                                    if (!sp->options.reregister || why == Refresher::kReasonNotOurs || sp->deregistered) return;
                                    {
                                      std::lock_guard lock(sp->heal_mu);
                                      sp->heal_requested = true;
                                    }
                                    sp->heal_cv.notify_all();
                                  },
                                  lease});
}

ServiceInstance instance_copy(const Registration::State& s) {
  std::lock_guard lock(s.mu);
  return s.instance;
}

enum class Healed { kYes, kNo, kGiveUp };

// One attempt to register again: create-only; a key holding our value is ours (adopted); a key
// holding someone else's value means another instance took the id over: give up.
Healed register_again(Registration::State& s, std::stop_token stop) {
  std::string value;
  {
    std::lock_guard lock(s.mu);
    value = encode(s.instance, s.token);
  }
  auto sent = Lease::Clock::now();
  Node node;
  try {
    node = s.client->create(s.key, value, SetOptions{.ttl = s.ttl, .timeout = std::chrono::seconds(5), .stop = stop}).node;
  } catch (const Error& e) {
    if (e.error_code() != errc::kNodeExist) throw;
    Response r = s.client->get(s.key, GetOptions{.quorum = true, .timeout = std::chrono::seconds(5), .stop = stop});
    if (r.node.value != value) return Healed::kGiveUp;
    auto adopted = detail::adopt_key(*s.client, s.key, value, s.ttl);
    if (!adopted) return Healed::kNo;
    node = adopted->first;
    sent = adopted->second;
  }
  if (stop.stop_requested()) {
    // deregister() is waiting for us: remove what we just wrote (owner-checked) and stop.
    s.client->compare_and_delete(s.key, value, std::nullopt, DeleteOptions{.timeout = std::chrono::seconds(2)});
    return Healed::kGiveUp;
  }
  std::lock_guard lock(s.mu);
  start_lease(s, node, sent, value);
  return Healed::kYes;
}

// The healer thread: waits for a loss, then registers again with capped backoff.
void heal(Registration::State& s, std::stop_token stop) {
  std::unique_lock lock(s.heal_mu);
  while (s.heal_cv.wait(lock, stop, [&] { return s.heal_requested; })) {
    s.heal_requested = false;
    lock.unlock();
    Healed result = Healed::kNo;
    auto delay = std::chrono::milliseconds(100);
    while (!stop.stop_requested() && result == Healed::kNo) {
      try {
        result = register_again(s, stop);
      } catch (...) {
        result = Healed::kNo;  // unreachable or refused for now: try again
      }
      if (result == Healed::kNo) {
        std::unique_lock wait_lock(s.heal_mu);
        s.heal_cv.wait_for(wait_lock, stop, delay, [] { return false; });  // backoff, interrupted by stop
        delay = std::min(delay * 2, std::chrono::milliseconds(2000));
      }
    }
    if (result == Healed::kYes && s.options.on_reregistered) {
      try {
        s.options.on_reregistered(instance_copy(s));
      } catch (...) {
      }
    }
    lock.lock();
  }
}

}  // namespace

Registration::Registration(std::shared_ptr<State> state) : s_(std::move(state)) {}
Registration::~Registration() { deregister(); }
Registration::Registration(Registration&&) noexcept = default;
Registration& Registration::operator=(Registration&& other) noexcept {
  if (this != &other) {
    deregister();
    s_ = std::move(other.s_);
  }
  return *this;
}

bool Registration::alive() const {
  if (!s_) return false;
  auto lease = s_->lease.load();
  return lease && lease->held();
}

std::stop_token Registration::stop_token() const {
  auto lease = s_ ? s_->lease.load() : nullptr;
  return lease ? lease->stop_token() : std::stop_token{};
}

std::uint64_t Registration::incarnation() const { return s_ ? s_->incarnation.load() : 0; }

void Registration::update_metadata(json::object metadata) {
  State& s = *s_;
  std::lock_guard lock(s.mu);  // the healer must not start a new lease meanwhile
  auto lease = s.lease.load();
  if (s.refresh_id == 0 || !lease) throw RecipeError(RecipeError::Kind::kLost, "Registration: " + s.key + " is not registered");
  ServiceInstance next = s.instance;
  next.metadata = std::move(metadata);
  std::string value = encode(next, s.token);
  std::string prev = detail::current_owned_value(*s.client, s.refresh_id, s.key, *lease, "Registration");
  Response r = detail::rewrite_owned_value(*s.client, s.refresh_id, s.key, prev, value, s.ttl, *lease, "Registration");
  next.modified_index = r.node.modified_index;
  s.instance = std::move(next);
}

void Registration::deregister() noexcept {
  if (!s_) return;
  s_->deregistered = true;
  if (s_->healer.joinable()) {
    s_->healer.request_stop();
    if (s_->healer.get_id() == std::this_thread::get_id()) {
      // Called from on_reregistered: the healer cannot join itself. It holds its own reference
      // to the State and ends once the callback returns (its stop is requested).
      s_->healer.detach();
    } else {
      s_->healer.join();
    }
  }
  std::uint64_t id;
  {
    std::lock_guard lock(s_->mu);
    id = std::exchange(s_->refresh_id, 0);
  }
  auto lease = s_->lease.load();
  if (!lease || lease->ended()) return;
  auto candidates = Refresher::shared().owner_values(id);
  Refresher::shared().remove(id);
  lease->end();
  if (candidates.empty()) candidates.push_back(encode(instance_copy(*s_), s_->token));
  for (const std::string& value : candidates) {
    try {
      s_->client->compare_and_delete(s_->key, value, std::nullopt, DeleteOptions{.timeout = std::chrono::seconds(2)});
      return;
    } catch (...) {
      // Not this value, gone already, or cluster unreachable: the TTL removes it.
    }
  }
}

const std::string& Registration::key() const { return s_->key; }
ServiceInstance Registration::instance() const { return instance_copy(*s_); }

ServiceRegistry::ServiceRegistry(Client& client, std::string service, RegistryOptions options)
    : client_(client), dir_(detail::join_key(options.prefix, service)), options_(std::move(options)) {}

Registration ServiceRegistry::register_instance(std::string id, std::string endpoint, std::chrono::seconds ttl,
                                                json::object metadata,
                                                std::function<void(const std::string&)> on_lost) {
  auto s = std::make_shared<Registration::State>();
  s->client = &client_;
  s->instance.id = std::move(id);
  s->instance.endpoint = std::move(endpoint);
  s->instance.metadata = std::move(metadata);
  s->key = detail::join_key(dir_, s->instance.id);
  s->token = make_owner_token();
  s->ttl = ttl;
  s->options = options_;
  s->on_lost = detail::share_callback(std::move(on_lost));
  std::string value = encode(s->instance, s->token);
  auto sent = std::chrono::steady_clock::now();
  Node node;
  for (int attempt = 0;; ++attempt) {
    try {
      sent = std::chrono::steady_clock::now();
      node = client_.create(s->key, value, SetOptions{.ttl = ttl}).node;
      break;
    } catch (const Error& e) {
      if (e.error_code() != errc::kNodeExist || !options_.replace_existing || attempt >= 3) throw;
      // Our id's key is still there: a dead predecessor's (same id = same instance). Remove
      // exactly the version we read, then create anew (a new incarnation).
      try {
        Response old = client_.get(s->key, GetOptions{.quorum = true});
        client_.compare_and_delete(s->key, std::nullopt, old.node.modified_index);
      } catch (const Error& gone) {
        if (gone.error_code() != errc::kKeyNotFound && gone.error_code() != errc::kCompareFailed) throw;
      }
    } catch (const TransportError& e) {
      if (detail::is_fatal(e)) throw;
      // The create may have happened (or may still): ours if the key holds our unique value.
      std::tie(node, sent) = detail::adopt_or_withdraw(client_, s->key, value, ttl);
      break;
    }
  }
  {
    std::lock_guard lock(s->mu);
    start_lease(*s, node, sent, value);
  }
  if (options_.reregister) {
    // The thread owns a reference (on_reregistered may destroy the Registration); deregister()
    // stops it, which ends that reference.
    s->healer = std::jthread([sp = s](std::stop_token stop) { heal(*sp, stop); });
  }
  return Registration(std::move(s));
}

std::vector<ServiceInstance> ServiceRegistry::instances() {
  std::vector<ServiceInstance> out;
  try {
    Response r = client_.get(dir_, GetOptions{.recursive = true, .sorted = true, .quorum = true});
    for (const Node& n : r.node.nodes) {
      if (auto i = ServiceInstance::from_node(n)) out.push_back(std::move(*i));
    }
  } catch (const Error& e) {
    if (e.error_code() != errc::kKeyNotFound) throw;
  }
  return out;
}

}  // namespace coord::recipes
