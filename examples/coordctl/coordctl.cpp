// coordctl — an etcdctl-v2-style command line on the coord SDK (keys, watch, members, auth, lock,
// elect) plus the operator's data tools: dump, load, mirror and backup.
//
//   coordctl [--endpoints URLS] [--output simple|json|extended] COMMAND [ARGS] [FLAGS]
// Output formats and exit codes follow etcdctl v2: 0 success, 1 bad arguments, 2 no connection,
// 3 bad auth, 4 server error (etcd error answer, printed as "Error:  <code>: <message> (<cause>) [<index>]"),
// 5 cluster not healthy. A set whose outcome is unknown (its answer lost; the SDK does not send
// it again) exits 4, as etcdctl's set does on a failed request, and says to read the key back.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <stop_token>
#include <thread>

#include <boost/json.hpp>

#include "coord/coord.hpp"
#include "examples/coordctl/auth_commands.hpp"
#include "examples/coordctl/backup.hpp"
#include "examples/coordctl/cluster_health.hpp"
#include "examples/coordctl/dump_load.hpp"
#include "examples/coordctl/mirror.hpp"
#include "examples/coordctl/command_line.hpp"
#include "examples/coordctl/http_get.hpp"

namespace json = boost::json;
using coord::examples::CommandLine;

namespace {

constexpr int kExitSuccess = 0, kExitBadArgs = 1, kExitBadConnection = 2, kExitBadAuth = 3, kExitServerError = 4,
              kExitClusterNotHealthy = 5;

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The JSON etcdctl v2 prints: Go's encoding of its client.Node (value always present, nodes
// null when empty, expiration/ttl only with a TTL) inside {"action","node","prevNode"}.
json::object node_json(const coord::Node& n) {
  json::object o{{"key", n.key}};
  if (n.dir) o["dir"] = true;
  o["value"] = n.value.value_or("");
  if (n.nodes.empty()) {
    o["nodes"] = nullptr;
  } else {
    json::array a;
    for (const auto& c : n.nodes) a.push_back(node_json(c));
    o["nodes"] = std::move(a);
  }
  o["createdIndex"] = n.created_index;
  o["modifiedIndex"] = n.modified_index;
  if (!n.expiration.empty()) o["expiration"] = n.expiration;
  if (n.ttl) o["ttl"] = *n.ttl;
  return o;
}

// etcdctl v2's printResponseKey.
void print_response(const coord::Response& r, const std::string& format) {
  if (format == "json") {
    json::object o{{"action", r.action}, {"node", node_json(r.node)}};
    o["prevNode"] = r.prev_node ? json::value(node_json(*r.prev_node)) : json::value(nullptr);
    std::cout << json::serialize(o) << "\n";
  } else if (format == "extended") {
    std::cout << "Key: " << r.node.key << "\nCreated-Index: " << r.node.created_index
              << "\nModified-Index: " << r.node.modified_index << "\nTTL: " << r.node.ttl.value_or(0)
              << "\nIndex: " << r.etcd_index << "\n\n" << r.node.value.value_or("") << "\n";
  } else if (r.action != "delete" && r.action != "compareAndDelete") {
    std::cout << r.node.value.value_or("") << "\n";
  } else {
    std::cout << "PrevNode.Value: " << (r.prev_node ? r.prev_node->value.value_or("") : "") << "\n";
  }
}

std::string need(const CommandLine& cl, std::size_t i, const char* what) {
  if (cl.args.size() <= i) throw UsageError(std::string("missing ") + what);
  return cl.args[i];
}

coord::SetOptions set_options(const CommandLine& cl) {
  coord::SetOptions o;
  if (cl.has("ttl") && cl.num("ttl") > 0) o.ttl = std::chrono::seconds(cl.num("ttl"));
  if (cl.has("swap-with-value")) o.prev_value = cl.get("swap-with-value");
  if (cl.has("swap-with-index")) o.prev_index = static_cast<std::uint64_t>(cl.num("swap-with-index"));
  return o;
}

void list(const coord::Node& n, bool recursive, bool slash) {
  for (const auto& c : n.nodes) {
    std::cout << c.key << (c.dir && slash ? "/" : "") << "\n";
    if (recursive && c.dir) list(c, recursive, slash);
  }
}

int watch_loop(coord::Client& client, const CommandLine& cl, const std::function<void(const coord::Response&)>& on) {
  std::string key = need(cl, 0, "key");
  std::optional<std::uint64_t> index;
  if (cl.has("after-index")) index = static_cast<std::uint64_t>(cl.num("after-index")) + 1;
  bool forever = cl.flag("forever") || cl.command == "exec-watch";
  for (;;) {
    coord::Response r;
    try {
      r = client.watch(key, coord::WatchOptions{.wait_index = index, .recursive = cl.flag("recursive"),
                                                .timeout = std::chrono::seconds(60)});
    } catch (const coord::TransportError& e) {
      if (e.kind() == coord::TransportError::Kind::kTimeout) continue;  // long poll ended quietly
      throw;
    }
    on(r);
    index = r.node.modified_index + 1;
    if (!forever) return kExitSuccess;
  }
}

// How long a child whose lock or leadership was lost has between SIGTERM and SIGKILL.
constexpr std::chrono::seconds kKillGrace{5};

// Runs argv with `env` added and returns its exit status (128 + signal when killed). When
// `lost` is requested meanwhile (the lock or leadership the child runs under is gone), the child
// gets SIGTERM, then SIGKILL after kKillGrace, as etcdctl does: it must not go on believing it
// holds what someone else may now hold.
int run_with_env(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                 std::stop_token lost = {}) {
  if (argv.empty()) throw UsageError("missing command after --");
  pid_t pid = ::fork();
  if (pid == 0) {
    for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::_Exit(127);
  }
  int status = 0;
  std::optional<std::chrono::steady_clock::time_point> termed_at;
  bool killed = false;
  // The child is checked every 50 ms: a CLI's own loop, cheap next to the child's lifetime.
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (lost.stop_requested() && !termed_at) {
      std::cerr << "coordctl: lost the lock or leadership; terminating the command (pid " << pid << ")" << std::endl;
      ::kill(pid, SIGTERM);
      termed_at = std::chrono::steady_clock::now();
    } else if (termed_at && !killed && std::chrono::steady_clock::now() - *termed_at >= kKillGrace) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int members(coord::Client& client, const CommandLine& cl, const coord::ClientOptions& options) {
  std::string sub = need(cl, 0, "member subcommand (list, add, remove)");
  if (sub == "list") {
    std::string leader;
    for (const auto& url : client.endpoints()) {
      if (auto a = coord::examples::http_get(options, url, "/v2/members/leader", std::chrono::seconds(2)); a && a->status == 200) {
        try {
          leader = json::value_to<std::string>(json::parse(a->body).at("id"));
        } catch (...) {
        }
        break;
      }
    }
    for (const auto& m : client.members()) {
      std::cout << m.id << ": name=" << m.name << " peerURLs=";
      for (std::size_t i = 0; i < m.peer_urls.size(); ++i) std::cout << (i ? "," : "") << m.peer_urls[i];
      std::cout << " clientURLs=";
      for (std::size_t i = 0; i < m.client_urls.size(); ++i) std::cout << (i ? "," : "") << m.client_urls[i];
      std::cout << " isLeader=" << (m.id == leader ? "true" : "false") << "\n";
    }
    return kExitSuccess;
  }
  if (sub == "add") {
    std::string name = need(cl, 1, "member name");
    auto m = client.add_member({need(cl, 2, "peer URL")});
    std::cout << "Added member named " << name << " with ID " << m.id << " to cluster\n";
    return kExitSuccess;
  }
  if (sub == "remove") {
    std::string id = need(cl, 1, "member id");
    client.remove_member(id);
    std::cout << "Removed member " << id << " from cluster\n";
    return kExitSuccess;
  }
  throw UsageError("unknown member subcommand " + sub);
}

int dispatch(coord::Client& client, const CommandLine& cl, const coord::ClientOptions& options) {
  const std::string& c = cl.command;
  const std::string out = cl.output;
  if (c == "get") {
    auto r = client.get(need(cl, 0, "key"), coord::GetOptions{.quorum = cl.flag("quorum")});
    if (r.node.dir && out == "simple") {
      std::cerr << r.node.key << ": is a directory\n";
      return kExitBadArgs;
    }
    print_response(r, out);
  } else if (c == "set") {
    auto o = set_options(cl);
    const std::string& key = need(cl, 0, "key");
    try {
      print_response(client.set(key, need(cl, 1, "value"), o), out);
    } catch (const coord::TransportError& e) {
      // The set reached a server but its answer was lost, and the read that looked for it could
      // not tell. Sending it again could undo a newer write, so the user decides, knowing that.
      if (e.kind() != coord::TransportError::Kind::kOutcomeUnknown) throw;
      std::cerr << "Error:  " << e.what() << "\n"
                << "the set of " << key << " may or may not have applied: read it back (coordctl get " << key
                << " --quorum) before setting it again\n";
      return kExitServerError;
    }
  } else if (c == "mk") {
    print_response(client.create(need(cl, 0, "key"), need(cl, 1, "value"), set_options(cl)), out);
  } else if (c == "mkdir") {
    auto r = client.mkdir(need(cl, 0, "key"), set_options(cl));
    if (out != "simple") print_response(r, out);
  } else if (c == "update") {
    print_response(client.update(need(cl, 0, "key"), need(cl, 1, "value"), set_options(cl)), out);
  } else if (c == "rm") {
    coord::DeleteOptions o{.dir = cl.flag("dir"), .recursive = cl.flag("recursive")};
    if (cl.has("with-value")) o.prev_value = cl.get("with-value");
    if (cl.has("with-index")) o.prev_index = static_cast<std::uint64_t>(cl.num("with-index"));
    auto r = client.remove(need(cl, 0, "key"), o);
    if (!r.node.dir || out != "simple") print_response(r, out);
  } else if (c == "rmdir") {
    auto r = client.remove(need(cl, 0, "key"), coord::DeleteOptions{.dir = true});
    if (out != "simple") print_response(r, out);
  } else if (c == "ls") {
    std::string key = cl.args.empty() ? "/" : cl.args[0];
    auto r = client.get(key, coord::GetOptions{.recursive = cl.flag("recursive"), .sorted = true, .quorum = cl.flag("quorum")});
    if (out == "simple") {
      if (!r.node.dir) std::cout << r.node.key << "\n";
      list(r.node, cl.flag("recursive"), cl.flag("p"));
    } else {
      print_response(r, out);
    }
  } else if (c == "watch") {
    return watch_loop(client, cl, [&](const coord::Response& r) {
      if (cl.flag("recursive")) std::cout << "[" << r.action << "] " << r.node.key << "\n";
      print_response(r, out);
      std::cout.flush();
    });
  } else if (c == "exec-watch") {
    return watch_loop(client, cl, [&](const coord::Response& r) {
      run_with_env(cl.rest, {"ETCD_WATCH_ACTION=" + r.action, "ETCD_WATCH_KEY=" + r.node.key,
                             "ETCD_WATCH_VALUE=" + r.node.value.value_or(""),
                             "ETCD_WATCH_MODIFIED_INDEX=" + std::to_string(r.node.modified_index)});
    });
  } else if (c == "member") {
    return members(client, cl, options);
  } else if (c == "cluster-health") {
    return coord::examples::run_cluster_health(client, cl, options);
  } else if (c == "dump") {
    return coord::examples::run_dump(client, cl);
  } else if (c == "load") {
    return coord::examples::run_load(client, cl);
  } else if (c == "lock") {
    coord::recipes::DistributedLock lock(client, need(cl, 0, "lock name"),
                                         {.ttl = std::chrono::seconds(cl.has("ttl") ? cl.num("ttl") : 10)});
    std::lock_guard guard(lock);
    if (cl.rest.empty()) {
      std::cout << lock.key() << " " << lock.fencing_token() << std::endl;
      return kExitSuccess;
    }
    return run_with_env(cl.rest, {"COORD_LOCK_KEY=" + lock.key(), "COORD_FENCING_TOKEN=" + std::to_string(lock.fencing_token())},
                        lock.stop_token());
  } else if (c == "elect") {
    coord::recipes::LeaderElection e(client, need(cl, 0, "election name"),
                                     {.ttl = std::chrono::seconds(cl.has("ttl") ? cl.num("ttl") : 10)});
    if (cl.flag("l") || cl.flag("listen")) {
      auto obs = e.observe([](const std::optional<coord::recipes::LeaderInfo>& l) {
        if (l) std::cout << l->value << std::endl;
      });
      for (;;) std::this_thread::sleep_for(std::chrono::hours(1));  // observe until killed
    }
    e.campaign(need(cl, 1, "proposal value"));
    std::cout << cl.args[1] << std::endl;
    if (!cl.rest.empty()) return run_with_env(cl.rest, {"COORD_ELECTION_TERM=" + std::to_string(e.term())}, e.stop_token());
    while (e.is_leader()) std::this_thread::sleep_for(std::chrono::milliseconds(200));  // lead until killed
    return kExitServerError;
  } else {
    std::cout << "No help topic for '" << c << "'\n";  // etcdctl's (urfave/cli's) answer
    return kExitBadAuth;  // etcdctl exits 3 here too
  }
  return kExitSuccess;
}

}  // namespace

int main(int argc, char** argv) {
  CommandLine cl;
  try {
    cl = CommandLine::parse(argc, argv);
    if (cl.command.empty() || cl.command == "help") {
      std::cout << CommandLine::kUsage;
      return cl.command.empty() ? kExitBadArgs : kExitSuccess;
    }
    if (cl.command == "backup") return coord::examples::run_backup(cl);  // files only, no server
    const coord::ClientOptions options = cl.client_options();
    if (cl.command == "mirror") return coord::examples::run_mirror(cl, options);
    if (coord::examples::is_auth_command(cl.command)) return coord::examples::run_auth_command(cl, options);
    coord::Client client(options);
    return dispatch(client, cl, options);
  } catch (const UsageError& e) {
    std::cerr << "Error: " << e.what() << "\n";
    return kExitBadArgs;
  } catch (const std::invalid_argument& e) {
    std::cerr << "Error: " << e.what() << "\n";
    return kExitBadArgs;
  } catch (const coord::Error& e) {
    std::cerr << "Error:  " << e.error_code() << ": " << e.message() << " (" << e.cause() << ") [" << e.index() << "]\n";
    return kExitServerError;  // etcdctl v2: every etcd error answer, 110 included
  } catch (const coord::TransportError& e) {
    std::cerr << "Error:  client: etcd cluster is unavailable or misconfigured; error #0: " << e.what() << "\n";
    return kExitBadConnection;
  } catch (const std::exception& e) {
    std::cerr << "Error:  " << e.what() << "\n";
    return kExitServerError;
  }
}
