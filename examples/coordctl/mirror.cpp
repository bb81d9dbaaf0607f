// mirror (see mirror.hpp).
#include "examples/coordctl/mirror.hpp"

#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <map>
#include <stop_token>
#include <thread>

#include "coord/client.hpp"
#include "coord/error.hpp"
#include "coord/tls.hpp"
#include "examples/coordctl/key_tree.hpp"
#include "examples/coordctl/progress.hpp"

namespace coord::examples {
namespace {

constexpr std::chrono::seconds kTreeReadTimeout{300};
// One long poll; a quiet one ends and is renewed from the index the server reported.
constexpr std::chrono::seconds kPollTimeout{30};

bool is_code(const Error& e, int code) { return e.error_code() == code; }

// Copies the source tree to the destination; with `prune`, first removes from the destination
// what the source no longer has, or has as the other kind (a file where a directory was: a
// write over it would fail). Returns the index to follow from.
std::uint64_t copy_tree(Client& from, Client& to, const std::string& prefix, bool prune, const char* what) {
  Response r;
  try {
    r = from.get(prefix, GetOptions{.recursive = true, .sorted = true, .quorum = true, .timeout = kTreeReadTimeout});
  } catch (const Error& e) {
    if (!is_code(e, 100)) throw;
    r.etcd_index = e.index();  // nothing there yet: follow from now
  }
  std::vector<TreeEntry> entries;
  flatten(r.node, !r.node.key.empty() && r.node.key != "/", entries);
  if (prune) {
    std::map<std::string, bool> source;  // key -> is a directory
    for (const auto& e : entries) source[e.key] = e.dir;
    std::vector<TreeEntry> there;
    try {
      auto d = to.get(prefix, GetOptions{.recursive = true, .sorted = true, .timeout = kTreeReadTimeout});
      flatten(d.node, !d.node.key.empty() && d.node.key != "/", there);
    } catch (const Error& e) {
      if (!is_code(e, 100)) throw;
    }
    for (const auto& e : there) {
      auto it = source.find(e.key);
      if (it != source.end() && it->second == e.dir) continue;
      try {
        to.remove(e.key, DeleteOptions{.dir = e.dir, .recursive = e.dir});
      } catch (const Error& err) {
        if (!is_code(err, 100)) throw;  // gone with its removed parent
      }
    }
  }
  Progress progress(what, "keys", entries.size());
  write_tree(to, entries, WriteMode::kOverwrite, &progress);
  progress.finish();
  return r.etcd_index + 1;
}

// Applies one source event to the destination.
void apply(Client& to, const Response& ev) {
  const Node& n = ev.node;
  std::optional<std::chrono::seconds> ttl;
  if (n.ttl) ttl = std::chrono::seconds(std::max<std::int64_t>(1, *n.ttl));
  const std::string& a = ev.action;
  if (a == "delete" || a == "compareAndDelete" || a == "expire") {
    try {
      to.remove(n.key, DeleteOptions{.dir = n.dir, .recursive = n.dir});
    } catch (const Error& e) {
      if (!is_code(e, 100)) throw;  // already gone (it expired there too)
    }
  } else if (n.dir) {
    // A new directory, or a directory's TTL changed (update with dir=true).
    try {
      to.mkdir(n.key, SetOptions{.ttl = ttl});
    } catch (const Error& e) {
      if (!is_code(e, 105)) throw;
      to.mkdir(n.key, SetOptions{.ttl = ttl, .prev_exist = true});
    }
  } else {
    to.set(n.key, n.value.value_or(""), SetOptions{.ttl = ttl});
  }
}

}  // namespace

int run_mirror(const CommandLine& cl, const ClientOptions& options) {
  if (!cl.has("from") || !cl.has("to")) throw std::invalid_argument("mirror needs --from URLS and --to URLS");
  const std::string prefix = cl.args.empty() ? "/" : cl.args[0];
  // SIGINT and SIGTERM are taken by a thread of their own (blocked everywhere else, threads
  // created later included), which stops the watch.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::stop_source stop;
  std::jthread signal_thread([&signals, &stop] {
    int sig = 0;
    sigwait(&signals, &sig);
    stop.request_stop();
  });
  // However the mirror ends (an error included), the signal thread must leave its sigwait
  // before it is joined: a signal of our own does that when no real one came.
  struct WakeSignalThread {
    std::jthread& thread;
    std::stop_source& stop;
    ~WakeSignalThread() {
      if (!stop.stop_requested()) pthread_kill(thread.native_handle(), SIGTERM);
    }
  } wake{signal_thread, stop};

  ClientOptions from_options = options, to_options = options;
  from_options.endpoints = CommandLine::split_endpoints(cl.get("from"));
  to_options.endpoints = CommandLine::split_endpoints(cl.get("to"));
  // https in --from or --to needs the TLS transport even when --endpoints is plain http.
  for (ClientOptions* o : {&from_options, &to_options}) {
    for (const auto& e : o->endpoints) {
      if (e.rfind("https://", 0) == 0) enable_tls(*o);
    }
  }
  Client from(from_options), to(to_options);
  std::uint64_t next = copy_tree(from, to, prefix, false, "mirror: copy");
  std::uint64_t applied = 0;
  while (!stop.stop_requested()) {
    Response ev;
    try {
      ev = from.watch(prefix, WatchOptions{.wait_index = next, .recursive = true, .timeout = kPollTimeout,
                                           .stop = stop.get_token()});
    } catch (const TransportError& e) {
      if (e.kind() == TransportError::Kind::kCancelled || stop.stop_requested()) break;
      if (e.kind() != TransportError::Kind::kTimeout) throw;
      if (e.index() >= next) next = e.index() + 1;  // nothing for us up to there: stay inside the history
      continue;
    } catch (const Error& e) {
      if (!is_code(e, 401)) throw;
      std::cerr << "mirror: the source's event history no longer reaches index " << next << " (" << e.cause()
                << "); copying " << prefix << " again" << std::endl;
      next = copy_tree(from, to, prefix, true, "mirror: re-copy");
      continue;
    }
    apply(to, ev);
    ++applied;
    next = ev.node.modified_index + 1;
  }
  std::cerr << "mirror: stopped after " << applied << " changes" << std::endl;
  return 0;
}

}  // namespace coord::examples
