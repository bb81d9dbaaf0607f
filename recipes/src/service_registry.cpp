// ServiceRegistry / Registration: create-only TTL key + refresher; CAS on metadata change;
// owner-checked delete on deregistration.
#include "coord/recipes/service_registry.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "coord/error.hpp"
#include "coord/recipes/owner_token.hpp"
#include "coord/recipes/refresher.hpp"
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
  ServiceInstance instance;
  std::string key;
  std::string value;  // the exact value we wrote (owner check)
  std::string token;
  std::chrono::seconds ttl{};
  std::atomic<std::uint64_t> refresh_id{0};
  std::atomic<bool> lost{false};
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

bool Registration::alive() const {
  if (!s_ || s_->lost || s_->refresh_id == 0) return false;
  auto until = Refresher::shared().valid_until(s_->refresh_id);
  return until && *until > std::chrono::steady_clock::now();
}

void Registration::update_metadata(json::object metadata) {
  ServiceInstance next = s_->instance;
  next.metadata = std::move(metadata);
  std::string value = encode(next, s_->token);
  auto sent = std::chrono::steady_clock::now();
  Response r = s_->client->compare_and_swap(s_->key, value, s_->value, std::nullopt, SetOptions{.ttl = s_->ttl});
  s_->value = value;
  next.modified_index = r.node.modified_index;
  s_->instance = std::move(next);
  Refresher::shared().set_value(s_->refresh_id, value, sent);
}

void Registration::deregister() noexcept {
  if (!s_) return;
  auto id = s_->refresh_id.exchange(0);
  if (id == 0) return;
  Refresher::shared().remove(id);
  try {
    s_->client->compare_and_delete(s_->key, s_->value, std::nullopt, DeleteOptions{.timeout = std::chrono::seconds(2)});
  } catch (...) {
    // Gone already or cluster unreachable: the TTL removes it.
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
  s->value = encode(s->instance, s->token);
  s->ttl = ttl;
  s->on_lost = std::move(on_lost);
  auto sent = std::chrono::steady_clock::now();
  Response r;
  try {
    r = client_.create(s->key, s->value, SetOptions{.ttl = ttl});
  } catch (const TransportError& e) {
    if (detail::is_fatal(e)) throw;
    r = client_.get(s->key, GetOptions{.quorum = true});  // the create may have happened
    if (r.node.value != s->value) throw;
  }
  s->instance.created_index = r.node.created_index;
  s->instance.modified_index = r.node.modified_index;
  Registration::State* sp = s.get();
  s->refresh_id = Refresher::shared().add(client_, Refresher::Entry{s->key, ttl, s->value, sent, [sp](const std::string& why) {
                                            sp->lost = true;
                                            if (sp->on_lost) sp->on_lost(why);
                                          }});
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
