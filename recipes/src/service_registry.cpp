// ServiceRegistry / Registration: create-only TTL key + refresher; CAS on metadata change;
// owner-checked delete on deregistration.
#include "coord/recipes/service_registry.hpp"

#include <algorithm>

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

struct Registration::State {
  Client* client;
  ServiceInstance instance;  // owner thread
  std::string key;
  std::string token;
  std::chrono::seconds ttl{};
  std::atomic<std::uint64_t> refresh_id{0};
  std::atomic<std::uint64_t> incarnation{0};
  std::shared_ptr<Lease> lease;  // constant once registered
  std::function<void(const std::string&)> on_lost;
};

namespace {

std::string encode(const ServiceInstance& i, const std::string& token) {
  return json::serialize(json::object{{"id", i.id}, {"endpoint", i.endpoint}, {"metadata", i.metadata}, {"token", token}});
}

}  // namespace

Registration::Registration(std::unique_ptr<State> state) : s_(std::move(state)) {}
Registration::~Registration() { deregister(); }
Registration::Registration(Registration&&) noexcept = default;
Registration& Registration::operator=(Registration&& other) noexcept {
  if (this != &other) {
    deregister();
    s_ = std::move(other.s_);
  }
  return *this;
}

bool Registration::alive() const { return s_ && s_->refresh_id != 0 && s_->lease->held(); }

std::stop_token Registration::stop_token() const { return s_ ? s_->lease->stop_token() : std::stop_token{}; }

std::uint64_t Registration::incarnation() const { return s_ ? s_->incarnation.load() : 0; }

void Registration::update_metadata(json::object metadata) {
  State& s = *s_;
  if (s.refresh_id == 0) throw RecipeError(RecipeError::Kind::kState, "Registration: not registered");
  ServiceInstance next = s.instance;
  next.metadata = std::move(metadata);
  std::string value = encode(next, s.token);
  std::string prev = detail::current_owned_value(*s.client, s.refresh_id, s.key, *s.lease, "Registration");
  Response r = detail::rewrite_owned_value(*s.client, s.refresh_id, s.key, prev, value, s.ttl, *s.lease, "Registration");
  next.modified_index = r.node.modified_index;
  s.instance = std::move(next);
}

void Registration::deregister() noexcept {
  if (!s_) return;
  auto id = s_->refresh_id.load();
  if (id == 0) return;
  auto candidates = Refresher::shared().owner_values(id);
  Refresher::shared().remove(id);
  s_->refresh_id = 0;
  s_->lease->end();
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
const ServiceInstance& Registration::instance() const { return s_->instance; }

ServiceRegistry::ServiceRegistry(Client& client, std::string service, RegistryOptions options)
    : client_(client), dir_(detail::join_key(options.prefix, service)) {}

Registration ServiceRegistry::register_instance(std::string id, std::string endpoint, std::chrono::seconds ttl,
                                                json::object metadata,
                                                std::function<void(const std::string&)> on_lost) {
  auto s = std::make_unique<Registration::State>();
  s->client = &client_;
  s->instance.id = std::move(id);
  s->instance.endpoint = std::move(endpoint);
  s->instance.metadata = std::move(metadata);
  s->key = detail::join_key(dir_, s->instance.id);
  s->token = make_owner_token();
  s->ttl = ttl;
  s->on_lost = std::move(on_lost);
  std::string value = encode(s->instance, s->token);
  auto sent = std::chrono::steady_clock::now();
  Node node;
  try {
    node = client_.create(s->key, value, SetOptions{.ttl = ttl}).node;
  } catch (const TransportError& e) {
    if (detail::is_fatal(e)) throw;
    // The create may have happened (or may still): ours if the key holds our unique value.
    std::optional<std::pair<Node, std::chrono::steady_clock::time_point>> adopted;
    try {
      adopted = detail::adopt_key(client_, s->key, value, ttl);
    } catch (...) {
    }
    if (!adopted) {
      try {
        client_.compare_and_delete(s->key, value, std::nullopt, DeleteOptions{.timeout = std::chrono::seconds(2)});
      } catch (...) {
        // Not there (yet): if it lands later it expires after its TTL, never refreshed.
      }
      throw;
    }
    node = adopted->first;
    sent = adopted->second;
  }
  s->instance.created_index = node.created_index;
  s->instance.modified_index = node.modified_index;
  s->incarnation = node.created_index;
  s->lease = std::make_shared<Lease>(ttl, sent);
  Registration::State* sp = s.get();
  s->refresh_id = Refresher::shared().add(client_, Refresher::Entry{s->key, ttl, value, sent,
                                                                    [sp](const std::string& why) {
                                                                      if (sp->on_lost) sp->on_lost(why);
                                                                    },
                                                                    s->lease});
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
