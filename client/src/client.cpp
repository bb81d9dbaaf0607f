// Client: the public surface. Builds Operations (what to send and how it may be retried) and
// runs them through detail::ClientCore, blocking or with a completion token.
#include "coord/client.hpp"

#include <algorithm>
#include <future>
#include <stdexcept>
#include <thread>

#include "client/src/client_core.hpp"
#include "client/src/codec.hpp"

namespace coord {
namespace asio = boost::asio;
using detail::Operation;
using detail::Resolution;
using detail::ResultKind;
using detail::RetryClass;
using Params = std::vector<std::pair<std::string, std::string>>;

namespace {

std::string flag(bool b) { return b ? "true" : "false"; }

std::string normalize_key(std::string_view key) {
  std::string k(key);
  if (k.empty() || k.front() != '/') k.insert(k.begin(), '/');
  return k;
}

std::string query(const Params& params) { return params.empty() ? "" : "?" + detail::form_encode(params); }

void add_conditions(Params& p, const SetOptions& o) {
  if (o.ttl) p.emplace_back("ttl", std::to_string(o.ttl->count()));
  if (o.prev_exist) p.emplace_back("prevExist", flag(*o.prev_exist));
  if (o.prev_value) p.emplace_back("prevValue", *o.prev_value);
  if (o.prev_index) p.emplace_back("prevIndex", std::to_string(*o.prev_index));
}

}  // namespace

Client::Client(ClientOptions options) : core_(std::make_shared<detail::ClientCore>(std::move(options))) {
  if (core_->options().discover_endpoints) {
    try {
      sync_endpoints();
    } catch (const std::exception&) {
      // Discovery is an optimisation: the seed endpoints still work without it.
    }
  }
}

Client::~Client() {
  if (!core_->on_io_thread()) {
    core_->shutdown();
    return;
  }
  // Destroyed from one of our own handlers: this thread cannot join itself, and the io_context
  // it runs inside must outlive it. A reaper thread takes the core, shuts it down (it waits for
  // this handler to return) and destroys it there. Calls still in flight are cancelled at once.
  std::thread([core = std::move(core_)] { core->shutdown(); }).detach();
}

asio::any_io_executor Client::executor() const { return core_->executor(); }

std::vector<std::string> Client::endpoints() const { return core_->endpoints().all(); }

std::string Client::current_endpoint() const { return core_->endpoints().current(); }

std::string Client::cluster_id() const { return core_->cluster_id(); }

std::function<void()> Client::start(Operation op, Done done) { return core_->start(std::move(op), std::move(done)); }

void Client::start(Operation op, asio::cancellation_slot slot, Done done) {
  if (!slot.is_connected()) {
    core_->start(std::move(op), std::move(done));
    return;
  }
  // The slot handler is installed before the call starts, so it never races the completion's
  // slot.clear(); it reaches the call through a holder filled in right after the start.
  auto holder = std::make_shared<std::pair<std::mutex, std::function<void()>>>();
  slot.assign([holder](asio::cancellation_type type) {
    if (type == asio::cancellation_type::none) return;
    std::lock_guard lock(holder->first);
    if (holder->second) holder->second();
  });
  auto cancel = core_->start(std::move(op), std::move(done));
  std::lock_guard lock(holder->first);
  holder->second = std::move(cancel);
}

Response Client::run(Operation op, const std::stop_token& stop) {
  if (core_->on_io_thread()) {
    throw std::logic_error("coord::Client: blocking call from a client thread would deadlock; use async_*");
  }
  auto promise = std::make_shared<std::promise<Response>>();
  auto result = promise->get_future();
  auto cancel = core_->start(std::move(op), [promise](std::exception_ptr e, Response r) {
    if (e) {
      promise->set_exception(e);
    } else {
      promise->set_value(std::move(r));
    }
  });
  std::optional<std::stop_callback<std::function<void()>>> on_stop;
  if (stop.stop_possible()) on_stop.emplace(stop, cancel);
  return result.get();
}

// ---------------------------------------------------------------- operation builders

Operation Client::make_get(std::string_view key, const GetOptions& o) const {
  Operation op;
  Params p;
  if (o.recursive) p.emplace_back("recursive", "true");
  if (o.sorted) p.emplace_back("sorted", "true");
  if (o.quorum) p.emplace_back("quorum", "true");
  op.request.method = "GET";
  op.request.target = detail::keys_target(key) + query(p);
  op.request.authorization = core_->authorization();
  op.key = normalize_key(key);
  op.timeout = o.timeout.value_or(core_->options().request_timeout);
  return op;
}

Operation Client::make_watch(std::string_view key, const WatchOptions& o) const {
  Operation op;
  Params p{{"wait", "true"}};
  if (o.wait_index) p.emplace_back("waitIndex", std::to_string(*o.wait_index));
  if (o.recursive) p.emplace_back("recursive", "true");
  op.request.method = "GET";
  op.request.target = detail::keys_target(key) + query(p);
  op.request.authorization = core_->authorization();
  op.request.long_poll = true;
  op.is_watch = true;
  op.key = normalize_key(key);
  op.timeout = o.timeout;
  return op;
}

Operation Client::make_set(std::string_view key, std::string_view value, const SetOptions& o) const {
  Operation op;
  Params p;
  if (!o.dir) p.emplace_back("value", std::string(value));
  if (o.dir) p.emplace_back("dir", "true");
  add_conditions(p, o);
  op.request.method = "PUT";
  op.request.target = detail::keys_target(key);
  op.request.body = detail::form_encode(p);
  op.request.content_type = "application/x-www-form-urlencoded";
  op.request.authorization = core_->authorization();
  op.retry = RetryClass::kWrite;
  op.resolution = Resolution::kValueWritten;
  op.key = normalize_key(key);
  op.value = std::string(value);
  op.dir = o.dir;
  if (o.prev_exist == false) {
    op.action = "create";
  } else if (o.prev_value || (o.prev_index && *o.prev_index != 0)) {
    op.action = "compareAndSwap";
  } else {
    op.action = o.prev_exist == true ? "update" : "set";
  }
  op.timeout = o.timeout.value_or(core_->options().request_timeout);
  return op;
}

Operation Client::make_cas(std::string_view key, std::string_view value, std::optional<std::string> prev_value,
                           std::optional<std::uint64_t> prev_index, SetOptions o) const {
  if (!prev_value && !prev_index) throw std::invalid_argument("compare_and_swap needs prev_value or prev_index");
  o.prev_value = std::move(prev_value);
  o.prev_index = prev_index;
  return make_set(key, value, o);
}

Operation Client::make_post(std::string_view dir, std::string_view value, const SetOptions& o) const {
  Operation op = make_set(dir, value, SetOptions{.ttl = o.ttl, .dir = o.dir, .timeout = o.timeout});
  op.request.method = "POST";
  // A new dir child cannot be told apart from another client's by its content.
  op.resolution = o.dir ? Resolution::kNone : Resolution::kChildCreated;
  op.action = "create";
  return op;
}

Operation Client::make_mkdir(std::string_view key, SetOptions o) const {
  o.dir = true;
  if (!o.prev_exist) o.prev_exist = false;
  return make_set(key, "", o);
}

Operation Client::make_remove(std::string_view key, const DeleteOptions& o) const {
  Operation op;
  Params p;
  if (o.dir) p.emplace_back("dir", "true");
  if (o.recursive) p.emplace_back("recursive", "true");
  if (o.prev_value) p.emplace_back("prevValue", *o.prev_value);
  if (o.prev_index) p.emplace_back("prevIndex", std::to_string(*o.prev_index));
  op.request.method = "DELETE";
  op.request.target = detail::keys_target(key) + query(p);
  op.request.authorization = core_->authorization();
  op.retry = RetryClass::kWrite;
  op.resolution = Resolution::kAbsent;
  op.key = normalize_key(key);
  bool cad = o.prev_value || (o.prev_index && *o.prev_index != 0);
  op.action = cad ? "compareAndDelete" : "delete";
  op.timeout = o.timeout.value_or(core_->options().request_timeout);
  return op;
}

Operation Client::make_refresh(std::string_view key, std::chrono::seconds ttl, std::optional<std::string> prev_value,
                               const CallOptions& o) const {
  Operation op;
  Params p{{"refresh", "true"}, {"prevExist", "true"}, {"ttl", std::to_string(ttl.count())}};
  if (prev_value) p.emplace_back("prevValue", *prev_value);
  op.request.method = "PUT";
  op.request.target = detail::keys_target(key);
  op.request.body = detail::form_encode(p);
  op.request.content_type = "application/x-www-form-urlencoded";
  op.request.authorization = core_->authorization();
  // Repeating a refresh only renews the TTL again (and never notifies watchers): retry anywhere.
  op.retry = RetryClass::kRead;
  op.key = normalize_key(key);
  op.timeout = o.timeout.value_or(core_->options().request_timeout);
  return op;
}

Operation Client::make_members(const CallOptions& o) const {
  Operation op;
  op.request.method = "GET";
  op.request.target = "/v2/members";
  op.request.authorization = core_->authorization();
  op.result = ResultKind::kMembers;
  op.timeout = o.timeout.value_or(core_->options().request_timeout);
  return op;
}

std::vector<Member> Client::parse_members_body(const Response& r) { return detail::parse_members(r.node.value.value_or("")); }

// ---------------------------------------------------------------- blocking calls

Response Client::get(std::string_view key, GetOptions o) { return run(make_get(key, o), o.stop); }

Response Client::set(std::string_view key, std::string_view value, SetOptions o) {
  return run(make_set(key, value, o), o.stop);
}

Response Client::create(std::string_view key, std::string_view value, SetOptions o) {
  o.prev_exist = false;
  return run(make_set(key, value, o), o.stop);
}

Response Client::update(std::string_view key, std::string_view value, SetOptions o) {
  o.prev_exist = true;
  return run(make_set(key, value, o), o.stop);
}

Response Client::compare_and_swap(std::string_view key, std::string_view value, std::optional<std::string> prev_value,
                                  std::optional<std::uint64_t> prev_index, SetOptions o) {
  auto stop = o.stop;
  return run(make_cas(key, value, std::move(prev_value), prev_index, std::move(o)), stop);
}

Response Client::compare_and_delete(std::string_view key, std::optional<std::string> prev_value,
                                    std::optional<std::uint64_t> prev_index, DeleteOptions o) {
  if (!prev_value && !prev_index) throw std::invalid_argument("compare_and_delete needs prev_value or prev_index");
  o.prev_value = std::move(prev_value);
  o.prev_index = prev_index;
  return run(make_remove(key, o), o.stop);
}

Response Client::create_in_order(std::string_view dir, std::string_view value, SetOptions o) {
  return run(make_post(dir, value, o), o.stop);
}

Response Client::mkdir(std::string_view key, SetOptions o) {
  auto stop = o.stop;
  return run(make_mkdir(key, std::move(o)), stop);
}

Response Client::remove(std::string_view key, DeleteOptions o) { return run(make_remove(key, o), o.stop); }

Response Client::refresh(std::string_view key, std::chrono::seconds ttl, std::optional<std::string> prev_value,
                         CallOptions o) {
  return run(make_refresh(key, ttl, std::move(prev_value), o), o.stop);
}

Response Client::watch(std::string_view key, WatchOptions o) { return run(make_watch(key, o), o.stop); }

std::vector<Member> Client::members(CallOptions o) { return parse_members_body(run(make_members(o), o.stop)); }

Member Client::add_member(std::vector<std::string> peer_urls, CallOptions o) {
  Operation op = make_members(o);
  std::string body = "{\"peerURLs\":[";
  for (std::size_t i = 0; i < peer_urls.size(); ++i) {
    body += (i ? ",\"" : "\"") + peer_urls[i] + "\"";
  }
  body += "]}";
  op.request.method = "POST";
  op.request.body = std::move(body);
  op.request.content_type = "application/json";
  op.retry = RetryClass::kWrite;
  // etcd answers 500 to an add it will not do yet (members connected < 5 s) as well as to one that
  // timed out: the member list tells which, and a refused add is then sent again.
  op.resolution = peer_urls.empty() ? Resolution::kNone : Resolution::kMemberAdded;
  op.value = peer_urls.empty() ? "" : peer_urls.front();
  op.repeatable = true;  // a late copy fails with 409, which the member list then resolves
  op.result = ResultKind::kMemberAdd;
  auto r = run(std::move(op), o.stop);
  if (!r.resolved_by_read) return detail::parse_member(r.node.value.value_or(""));
  for (auto& m : detail::parse_members(r.node.value.value_or(""))) {
    if (std::find(m.peer_urls.begin(), m.peer_urls.end(), peer_urls.front()) != m.peer_urls.end()) return m;
  }
  throw TransportError(TransportError::Kind::kProtocol, "added member vanished from the member list");
}

void Client::remove_member(std::string_view id, CallOptions o) {
  Operation op = make_members(o);
  op.request.method = "DELETE";
  op.request.target = "/v2/members/" + detail::percent_encode(id, false);
  op.retry = RetryClass::kWrite;
  op.resolution = Resolution::kMemberGone;
  op.repeatable = true;  // a late copy fails with 404/410, which the member list then resolves
  op.key = std::string(id);
  op.result = ResultKind::kNoContent;
  run(std::move(op), o.stop);
}

std::vector<std::string> Client::sync_endpoints(CallOptions o) {
  std::vector<std::string> urls;
  for (const auto& m : members(o)) {
    for (const auto& url : m.client_urls) {
      if (core_->transport().supports(url)) urls.push_back(url);  // e.g. https without TLS support
    }
  }
  core_->endpoints().merge(urls);
  return core_->endpoints().all();
}

}  // namespace coord
