// Members are named m0..m(N-1); member i keeps its ports and data directory for its whole life so
// a restart looks to the rest of the cluster exactly like the same member coming back.
#include "test/support/process/server_cluster.hpp"

#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <unistd.h>

namespace coord::test {

const char* to_string(ServerKind kind) { return kind == ServerKind::kCoordd ? "coordd" : "etcd"; }

std::optional<std::string> server_binary(ServerKind kind, std::string* why) {
  std::string path;
  if (kind == ServerKind::kCoordd) {
    const char* env = std::getenv("COORDD");
    if (env == nullptr || *env == '\0') {
      if (why) *why = "COORDD is not set";
      return std::nullopt;
    }
    path = env;
  } else {
    path = "/usr/bin/etcd";
  }
  if (::access(path.c_str(), X_OK) != 0) {
    if (why) *why = path + " is missing or not executable";
    return std::nullopt;
  }
  return path;
}

ServerCluster::ServerCluster(ServerKind kind, int size, ClusterOptions options)
    : kind_(kind), options_(std::move(options)), dir_(std::string("coord-") + to_string(kind)) {
  std::string why;
  auto binary = server_binary(kind, &why);
  if (!binary) throw std::runtime_error("ServerCluster: " + why);
  binary_ = *binary;
  for (int i = 0; i < size; ++i) {
    Member m;
    m.name = "m" + std::to_string(i);
    m.client_port = free_port();
    m.peer_port = free_port();
    if (options_.client_tls) m.probe_port = free_port();
    m.data_dir = dir_.file(m.name + ".data");
    m.log_path = dir_.file(m.name + ".log");
    members_.push_back(std::move(m));
  }
  if (options_.peer_relays) {
    if (options_.peer_tls) throw std::invalid_argument("ServerCluster: peer relays read plain http heads only");
    std::vector<int> ports, relay_ports;
    for (const auto& m : members_) {
      ports.push_back(m.peer_port);
      relay_ports.push_back(free_port());  // never one of the members' ports
    }
    relays_ = std::make_unique<LinkRelays>(ports, relay_ports);
  }
}

ServerCluster::~ServerCluster() {
  for (auto& m : members_) m.process.reset();  // SIGKILL + reap before the TempDir goes
  relays_.reset();
}

std::string ServerCluster::client_url(int i) const {
  return std::string(options_.client_tls ? "https" : "http") + "://127.0.0.1:" +
         std::to_string(members_.at(i).client_port);
}

std::string ServerCluster::peer_url(int i) const {
  if (relays_) return relays_->url(i);
  return listen_peer_url(i);
}

std::string ServerCluster::initial_cluster_with(const std::string& name, const std::string& peer) const {
  std::string out;
  for (int i = 0; i < size(); ++i) out += members_[i].name + "=" + peer_url(i) + ",";
  return out + name + "=" + peer;
}

std::string ServerCluster::listen_peer_url(int i) const {
  return std::string(options_.peer_tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(members_.at(i).peer_port);
}

std::string ServerCluster::probe_url(int i) const {
  if (!options_.client_tls) return client_url(i);
  return "http://127.0.0.1:" + std::to_string(members_.at(i).probe_port);
}

std::vector<std::string> ServerCluster::client_urls() const {
  std::vector<std::string> out;
  for (int i = 0; i < size(); ++i) out.push_back(client_url(i));
  return out;
}

std::vector<std::string> ServerCluster::command_line(int i) const {
  const Member& m = members_.at(i);
  std::string initial_cluster;
  for (int j = 0; j < size(); ++j) {
    if (j) initial_cluster += ",";
    initial_cluster += members_[j].name + "=" + peer_url(j);
  }
  std::vector<std::string> argv = {
      binary_,
      "--name=" + m.name,
      "--data-dir=" + m.data_dir,
      "--listen-client-urls=" + client_url(i) + (options_.client_tls ? "," + probe_url(i) : ""),
      "--advertise-client-urls=" + client_url(i),
      "--listen-peer-urls=" + listen_peer_url(i),
      "--initial-advertise-peer-urls=" + peer_url(i),
      "--initial-cluster=" + initial_cluster,
      "--initial-cluster-state=new",
      "--initial-cluster-token=" + options_.token,
      "--heartbeat-interval=" + std::to_string(options_.heartbeat_ms),
      "--election-timeout=" + std::to_string(options_.election_ms),
  };
  if (kind_ == ServerKind::kEtcd) argv.push_back("--enable-v2=true");
  for (const auto& extra : options_.extra_args) argv.push_back(extra);
  if (i < static_cast<int>(options_.member_args.size()))
    for (const auto& extra : options_.member_args[i]) argv.push_back(extra);
  return argv;
}

void ServerCluster::launch(int i) {
  Member& m = members_.at(i);
  m.process.reset();
  std::vector<std::string> env;
  if (i < static_cast<int>(options_.member_env.size())) env = options_.member_env[i];
  m.process = std::make_unique<Process>(command_line(i), m.log_path, env);
  m.started_once = true;
}

bool ServerCluster::wait_ready(int i, std::chrono::steady_clock::time_point deadline) {
  // Poll in short slices so a member that dies at start is noticed at once, not at the deadline.
  while (std::chrono::steady_clock::now() < deadline) {
    if (!members_[i].process->running()) {
      last_error_ = members_[i].name + " exited during start; log tail:\n" + log_tail(i);
      return false;
    }
    auto slice = std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(250));
    if (wait_http_ready(probe_url(i), slice)) return true;
  }
  last_error_ = members_[i].name + " not ready in time; log tail:\n" + log_tail(i);
  return false;
}

bool ServerCluster::start() {
  for (int i = 0; i < size(); ++i) launch(i);
  auto deadline = std::chrono::steady_clock::now() + options_.ready_timeout;
  for (int i = 0; i < size(); ++i) {
    if (!wait_ready(i, deadline)) return false;
  }
  // The relays must know who is who before a test cuts anything; other clusters do not ask
  // (an auth-enabled cluster may refuse the members API to a guest). A member answers before
  // its name is in the member list (it publishes its name and client URLs through Raft once
  // it has started): ask again until every name is there or the start's deadline passes.
  if (!relays_) return true;
  while (!learn_member_ids()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

bool ServerCluster::learn_member_ids() {
  auto reply = http_get(probe_url(0) + "/v2/members", std::chrono::seconds(3));
  if (!reply || reply->status != 200) {
    last_error_ = "GET /v2/members failed on " + members_[0].name;
    return false;
  }
  boost::system::error_code ec;
  auto json = boost::json::parse(reply->body, ec);
  const auto* list = (!ec && json.is_object()) ? json.as_object().if_contains("members") : nullptr;
  if (list == nullptr || !list->is_array()) {
    last_error_ = "GET /v2/members: unexpected answer " + reply->body;
    return false;
  }
  for (const auto& entry : list->as_array()) {
    const auto* o = entry.if_object();
    if (o == nullptr || !o->contains("name") || !o->contains("id")) continue;
    for (auto& m : members_)
      if (o->at("name").is_string() && o->at("name").as_string() == m.name) m.id = std::string(o->at("id").as_string());
  }
  for (int i = 0; i < size(); ++i) {
    if (members_[i].id.empty()) {
      last_error_ = "GET /v2/members does not list " + members_[i].name + ": " + reply->body;
      return false;
    }
    relays_->set_member_id(i, members_[i].id);
  }
  return true;
}

LinkRelays& ServerCluster::relays() {
  if (!relays_) throw std::logic_error("ServerCluster: started without peer_relays");
  return *relays_;
}

std::optional<int> ServerCluster::wait_exit(int i, std::chrono::milliseconds timeout) {
  auto& p = members_.at(i).process;
  if (!p) return std::nullopt;
  return p->wait_exit(timeout);
}

void ServerCluster::set_member_env(int i, std::vector<std::string> env) {
  if (static_cast<int>(options_.member_env.size()) <= i) options_.member_env.resize(i + 1);
  options_.member_env[i] = std::move(env);
}

void ServerCluster::set_member_args(int i, std::vector<std::string> args) {
  if (static_cast<int>(options_.member_args.size()) <= i) options_.member_args.resize(i + 1);
  options_.member_args[i] = std::move(args);
}

bool ServerCluster::restart(int i) {
  launch(i);
  return wait_ready(i, std::chrono::steady_clock::now() + options_.ready_timeout);
}

bool ServerCluster::restart_all_stopped() {
  std::vector<int> stopped;
  for (int i = 0; i < size(); ++i)
    if (!running(i)) stopped.push_back(i);
  for (int i : stopped) launch(i);
  const auto deadline = std::chrono::steady_clock::now() + options_.ready_timeout;
  for (int i : stopped)
    if (!wait_ready(i, deadline)) return false;
  return true;
}

void ServerCluster::kill(int i) {
  auto& p = members_.at(i).process;
  if (p) p->terminate(std::chrono::milliseconds(0));
}

void ServerCluster::terminate(int i, std::chrono::milliseconds grace) {
  auto& p = members_.at(i).process;
  if (p) p->terminate(grace);
}

void ServerCluster::freeze(int i) {
  if (auto& p = members_.at(i).process) p->stop();
}

void ServerCluster::thaw(int i) {
  if (auto& p = members_.at(i).process) p->cont();
}

bool ServerCluster::running(int i) {
  auto& p = members_.at(i).process;
  return p && p->running();
}

std::optional<int> ServerCluster::leader(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < size(); ++i) {
      if (!running(i)) continue;
      auto reply = http_get(probe_url(i) + "/v2/stats/self", std::chrono::milliseconds(300));
      if (reply && reply->status == 200 &&
          reply->body.find("\"state\":\"StateLeader\"") != std::string::npos) {
        return i;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

std::string ServerCluster::log_tail(int i, std::size_t max_bytes) const {
  const Member& m = members_.at(i);
  if (m.process) return m.process->log_tail(max_bytes);
  return {};
}

}  // namespace coord::test
