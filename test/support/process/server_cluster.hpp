// coord::test::ServerCluster — N members of coordd or of real etcd (v2 enabled) on free loopback
// ports, each in its own data directory under one TempDir, for integration tests. Members can be
// killed, frozen and restarted on the same data directory and ports.
//
// Thread-safety: one test thread at a time.
#pragma once

#include "test/support/net/link_relay.hpp"
#include "test/support/process/http_probe.hpp"
#include "test/support/process/process.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace coord::test {

enum class ServerKind { kCoordd, kEtcd };

const char* to_string(ServerKind kind);

// The server binary for `kind`: $COORDD for coordd, /usr/bin/etcd for etcd; nullopt (with the
// reason in *why) when it is not set or not an executable file.
std::optional<std::string> server_binary(ServerKind kind, std::string* why = nullptr);

struct ClusterOptions {
  std::chrono::milliseconds ready_timeout{20000};
  int heartbeat_ms = 100;           // --heartbeat-interval
  int election_ms = 1000;           // --election-timeout
  std::vector<std::string> extra_args;  // appended to every member's command line
  // member_args[i] is appended after extra_args to member i's command line only (a flag given
  // twice takes its last value, in coordd and etcd alike).
  std::vector<std::vector<std::string>> member_args;
  // Client URLs use https (pass the server's TLS flags in extra_args). Each member then also
  // listens on a plain http probe URL (http and https listeners mix, as in etcd), which
  // readiness and leader() use; client_url() and client_urls() are the https ones.
  bool client_tls = false;
  // Peer URLs use https (pass the peer TLS flags in extra_args).
  bool peer_tls = false;
  // Members listen for peers behind per-link relays (relays()): each advertises its relay's URL
  // as its peer URL, so the test can cut, delay and drop each directed link. Plain http only.
  bool peer_relays = false;
  // member_env[i] ("NAME=value" entries) is added to member i's environment, e.g. its
  // COORD_FAILPOINTS.
  std::vector<std::vector<std::string>> member_env;
  std::string token = "coord-test-cluster";
};

class ServerCluster {
 public:
  // Prepares `size` members (nothing is started yet). Throws when the binary is missing.
  ServerCluster(ServerKind kind, int size, ClusterOptions options = {});
  // Kills every member that still runs; removes the data directories.
  ~ServerCluster();
  ServerCluster(const ServerCluster&) = delete;
  ServerCluster& operator=(const ServerCluster&) = delete;

  // Starts every member and waits until each answers /health (or options.ready_timeout passes).
  // Returns false (leaving the diagnosis in last_error()) when a member exits or never gets
  // ready — e.g. a coordd that only supports a single member.
  bool start();
  // Starts member i again on its old data directory and ports; waits until it is ready.
  bool restart(int i);
  // Restarts every member that is not running, all at once (a lone member of a cluster cannot
  // become ready without a quorum), then waits until each is ready.
  bool restart_all_stopped();
  // Replaces member i's own extra flags (ClusterOptions::member_args) for its next start.
  void set_member_args(int i, std::vector<std::string> args);
  // Replaces member i's own environment entries (ClusterOptions::member_env) for its next start.
  void set_member_env(int i, std::vector<std::string> env);
  // SIGKILL member i and reap it.
  void kill(int i);
  // SIGTERM member i, SIGKILL after `grace`.
  void terminate(int i, std::chrono::milliseconds grace = std::chrono::seconds(5));
  // Freeze / thaw member i (SIGSTOP / SIGCONT).
  void freeze(int i);
  void thaw(int i);
  bool running(int i);

  int size() const { return static_cast<int>(members_.size()); }
  ServerKind kind() const { return kind_; }
  std::string client_url(int i) const;
  std::vector<std::string> client_urls() const;
  // Member i's advertised peer URL (its relay's with peer_relays).
  std::string peer_url(int i) const;
  // The --initial-cluster of a member that joins as `name` at `peer`: every member's
  // name=peer_url, then the joiner's.
  std::string initial_cluster_with(const std::string& name, const std::string& peer) const;
  // The peer relays (ClusterOptions::peer_relays; the member ids are known to them once start()
  // returned true). Throws std::logic_error without peer_relays.
  LinkRelays& relays();
  // Member i's id as the members API prints it (hex), read by start() with peer_relays only.
  const std::string& member_id(int i) const { return members_.at(i).id; }
  // Waits up to `timeout` for member i's process to end; its wait status, or nullopt.
  std::optional<int> wait_exit(int i, std::chrono::milliseconds timeout);
  // The plain http URL the test harness probes member i on (client_url(i) without client_tls).
  std::string probe_url(int i) const;
  // The index of the member that says state=StateLeader in GET /v2/stats/self, if any running
  // member says so within `timeout`.
  std::optional<int> leader(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  const std::string& last_error() const { return last_error_; }
  // The last `max_bytes` of member i's log (all its runs), for failure messages and for
  // scenarios that wait on a line it prints.
  std::string log_tail(int i, std::size_t max_bytes = 4000) const;
  const std::string& dir() const { return dir_.path(); }

 private:
  struct Member {
    std::string name;
    int client_port = 0;
    int peer_port = 0;
    int probe_port = 0;  // plain http client port, with client_tls only
    std::string data_dir;
    std::string id;  // hex, from the members API once started
    std::string log_path;
    bool started_once = false;
    std::unique_ptr<Process> process;
  };

  void launch(int i);
  std::vector<std::string> command_line(int i) const;
  bool wait_ready(int i, std::chrono::steady_clock::time_point deadline);
  bool learn_member_ids();
  std::string listen_peer_url(int i) const;

  ServerKind kind_;
  ClusterOptions options_;
  std::string binary_;
  TempDir dir_;
  std::vector<Member> members_;
  std::unique_ptr<LinkRelays> relays_;  // with peer_relays only
  std::string last_error_;
};

}  // namespace coord::test
