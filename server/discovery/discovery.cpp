#include "server/discovery/discovery.hpp"

#include <algorithm>
#include <charconv>
#include <set>
#include <thread>

#include "server/common/hex.hpp"
#include "server/common/log.hpp"
#include "server/config/server_config.hpp"

namespace coord::discovery {

namespace {

// The last component of a key path ("/a/b/c" -> "c").
std::string base(const std::string& key) {
  std::string k = key;
  while (k.size() > 1 && k.back() == '/') k.pop_back();
  const auto slash = k.rfind('/');
  return slash == std::string::npos ? k : k.substr(slash + 1);
}

// The key path of the directory holding `key` ("/a/b/c" -> "/a/b").
std::string parent(const std::string& key) {
  const auto slash = key.rfind('/');
  return slash == std::string::npos || slash == 0 ? "/" : key.substr(0, slash);
}

bool retryable(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kTimeout;
}

}  // namespace

Discovery::Discovery(KeysApi& keys, DiscoveryOptions options) : keys_(keys), options_(std::move(options)) {
  if (!options_.sleep) options_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  if (!options_.log) options_.log = [](const std::string& line) { COORD_LOG_INFO("discovery: " + line); };
}

std::chrono::milliseconds Discovery::backoff(unsigned retry) {
  return std::chrono::seconds(std::uint64_t{1} << std::min(retry, 8u));
}

// etcd's member id as a key name: lower-case hex without leading zeros (types.ID.String()).
std::string Discovery::self_name() const { return to_hex(options_.self_id); }

std::string Discovery::self_key() const { return options_.token_path + "/" + self_name(); }

void Discovery::back_off(const std::string& step, const Status& why) {
  ++retries_;
  const auto wait = backoff(retries_);
  options_.log(step + ": " + why.message() + "; retrying in " + std::to_string(wait.count() / 1000) + "s");
  options_.sleep(wait);
}

Result<Discovery::Registrations> Discovery::check_cluster() {
  while (true) {
    auto size_answer = keys_.get(options_.token_path + "/_config/size");
    if (!size_answer) {
      if (retryable(size_answer.status())) {
        back_off("cluster status check", size_answer.status());
        continue;
      }
      options_.log(size_answer.status().message());
      return Status::corruption("discovery: bad discovery endpoint");
    }
    if (size_answer->error_code == kErrorKeyNotFound) return Status::not_found("discovery: size key not found");
    if (size_answer->error_code != 0 || !size_answer->node)
      return Status::invalid_argument("discovery: " + std::to_string(size_answer->error_code) + ": " + size_answer->message);
    Registrations r;
    const std::string& v = size_answer->node->value;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), r.size);
    // A size of 0 could never bootstrap anything (etcd would wait for nobody and then fail).
    if (v.empty() || ec != std::errc() || p != v.data() + v.size() || r.size == 0)
      return Status::corruption("discovery: size key is bad");

    auto dir = keys_.get(options_.token_path);
    if (!dir) {
      if (retryable(dir.status())) {
        back_off("cluster status check", dir.status());
        continue;
      }
      return Status::corruption("discovery: bad discovery endpoint");
    }
    if (dir->error_code != 0 || !dir->node)
      return Status::invalid_argument("discovery: " + std::to_string(dir->error_code) + ": " + dir->message);
    for (auto& n : dir->node->nodes)
      if (base(n.key) != "_config") r.nodes.push_back(std::move(n));
    std::stable_sort(r.nodes.begin(), r.nodes.end(),
                     [](const KeysNode& a, const KeysNode& b) { return a.created_index < b.created_index; });
    r.index = dir->etcd_index;
    // Full when the first `size` registrations are all others'.
    for (std::size_t i = 0; i < r.nodes.size(); ++i) {
      if (base(r.nodes[i].key) == self_name()) break;
      if (i + 1 >= r.size) {
        r.nodes.resize(r.size);
        r.full = true;
        break;
      }
    }
    return r;
  }
}

Status Discovery::create_self(const std::string& value) {
  std::uint64_t created_index = 0;
  while (true) {
    auto created = keys_.create(self_key(), value);
    if (!created) {
      // A create that timed out may have been applied: the next attempt then finds it (below).
      if (retryable(created.status())) {
        back_off("registering this member", created.status());
        continue;
      }
      return Status::corruption("discovery: bad discovery endpoint");
    }
    if (created->error_code == kErrorNodeExist) {
      auto existing = keys_.get(self_key());
      if (!existing) {
        if (retryable(existing.status())) {
          back_off("registering this member", existing.status());
          continue;
        }
        return Status::corruption("discovery: bad discovery endpoint");
      }
      if (existing->error_code != 0 || !existing->node || existing->node->value != value)
        return Status::already_exists("discovery: found duplicate id");
      options_.log("found self " + self_name() + " in the cluster (registered before, with the same peer URLs)");
      return Status::ok();
    }
    if (created->error_code != 0 || !created->node)
      return Status::invalid_argument("discovery: " + std::to_string(created->error_code) + ": " + created->message);
    created_index = created->node->created_index;
    break;
  }
  // As etcd: make sure the registration shows on the server we talk to before reading it back.
  while (true) {
    auto seen = keys_.watch(self_key(), created_index, false);
    if (seen) return Status::ok();
    if (!retryable(seen.status())) return Status::corruption("discovery: bad discovery endpoint");
    back_off("registering this member", seen.status());
  }
}

Result<std::vector<KeysNode>> Discovery::wait_nodes(Registrations r) {
  while (true) {
    if (r.nodes.size() > r.size) r.nodes.resize(r.size);
    std::set<std::string> names;
    for (const auto& n : r.nodes) {
      names.insert(base(n.key));
      options_.log(std::string(base(n.key) == self_name() ? "found self " : "found peer ") + base(n.key) + " in the cluster");
    }
    std::uint64_t wait_index = r.index + 1;
    bool start_over = false;
    while (r.nodes.size() < r.size && !start_over) {
      options_.log("found " + std::to_string(r.nodes.size()) + " peer(s), waiting for " +
                   std::to_string(r.size - r.nodes.size()) + " more");
      auto event = keys_.watch(options_.token_path, wait_index, true);
      if (!event) {
        if (event.status().code() == StatusCode::kTimeout) continue;  // a quiet long-poll: ask again
        if (!retryable(event.status())) return Status::corruption("discovery: bad discovery endpoint");
        back_off("waiting for other nodes", event.status());
        start_over = true;
        break;
      }
      if (event->error_code == kErrorEventIndexCleared) {
        // The history moved past us: read again (after a back-off, so that a service that keeps
        // answering this cannot spin us).
        back_off("waiting for other nodes", Status::unavailable(event->message));
        start_over = true;
        break;
      }
      if (event->error_code != 0 || !event->node)
        return Status::invalid_argument("discovery: " + std::to_string(event->error_code) + ": " + event->message);
      const KeysNode& n = *event->node;
      // A watch answers a change at or after the index asked for; anything else would have us
      // ask for the same event forever.
      if (n.modified_index < wait_index) return Status::corruption("discovery: bad discovery endpoint");
      wait_index = n.modified_index + 1;
      // Only a new registration counts: not the _config entries, not a delete, not a key seen.
      const bool registration = base(parent(n.key)) == base(options_.token_path) && base(n.key) != "_config" &&
                                event->action != "delete" && event->action != "expire" &&
                                event->action != "compareAndDelete";
      if (!registration || names.count(base(n.key))) continue;
      options_.log("found peer " + base(n.key) + " in the cluster");
      names.insert(base(n.key));
      r.nodes.push_back(n);
    }
    if (!start_over) {
      options_.log("found " + std::to_string(r.nodes.size()) + " needed peer(s)");
      return r.nodes;
    }
    auto again = check_cluster();
    if (!again) return again.status();
    if (again->full) return Status::failed_precondition(kErrFullCluster);
    r = std::move(*again);
  }
}

Result<std::string> Discovery::join_cluster(const std::string& self_value) {
  // Fast path: a full cluster needs no registration.
  auto before = check_cluster();
  if (!before) return before.status();
  if (before->full) return Status::failed_precondition(kErrFullCluster);
  COORD_RETURN_IF_ERROR(create_self(self_value));
  auto after = check_cluster();
  if (!after) return after.status();
  if (after->full) return Status::failed_precondition(kErrFullCluster);
  auto all = wait_nodes(std::move(*after));
  if (!all) return all.status();
  return nodes_to_cluster(*all, all->size());
}

Result<std::string> Discovery::get_cluster() {
  auto r = check_cluster();
  if (!r) return r.status();
  if (r->full) return nodes_to_cluster(r->nodes, r->size);
  const auto size = r->size;
  auto all = wait_nodes(std::move(*r));
  if (!all) return all.status();
  return nodes_to_cluster(*all, size);
}

Result<std::string> nodes_to_cluster(const std::vector<KeysNode>& nodes, std::uint64_t size) {
  std::string joined;
  for (const auto& n : nodes) joined += (joined.empty() ? "" : ",") + n.value;
  auto members = config::parse_initial_cluster(joined);
  if (!members) return Status::invalid_argument("discovery: invalid URL");
  if (members->size() != size) return Status::invalid_argument("discovery: found duplicate name");
  return joined;
}

}  // namespace coord::discovery
