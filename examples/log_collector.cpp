// Log-collector integration: each collector registers itself, watches the apps/ directory recursively, and collects the apps that rendezvous hashing assigns to it among the live collectors — rebalancing within a TTL when a collector dies or joins.
//
//   log_collector [--endpoints URLS] [--id ID] [--apps /logs/apps] [--ttl S] [--seconds S]
// Prints "owns: app1,app2,..." (sorted) every time its share changes. Apps are the keys below
// the apps directory (e.g. `coordctl set /logs/apps/web/topic access`: app "web/topic").
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <set>

#include "coord/coord.hpp"
#include "examples/example_args.hpp"

namespace {

volatile std::sig_atomic_t g_stop = 0;

// FNV-1a: stable across processes and builds (std::hash is not guaranteed to be).
std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Rendezvous hashing: each app goes to the live collector with the highest score, so a change of
// membership moves only the apps of the collector that came or went.
std::set<std::string> my_share(const std::string& me, const std::vector<std::string>& collectors,
                               const std::map<std::string, std::string>& apps) {
  std::set<std::string> out;
  for (const auto& [app, value] : apps) {
    std::string best;
    std::uint64_t best_score = 0;
    for (const auto& c : collectors) {
      std::uint64_t score = fnv1a(app + "|" + c);
      if (best.empty() || score > best_score) best = c, best_score = score;
    }
    if (best == me) out.insert(app);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  coord::examples::Args args(argc, argv);
  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  try {
    coord::Client client(args.client_options());
    std::string id = args.get("id", "collector-" + std::to_string(::getpid()));
    auto ttl = std::chrono::seconds(args.num("ttl", 5));
    std::mutex mu;
    std::condition_variable cv;
    bool dirty = true;
    auto poke = [&] {
      std::lock_guard lock(mu);
      dirty = true;
      cv.notify_all();
    };
    coord::recipes::ServiceRegistry registry(client, "log-collectors");
    auto registration = registry.register_instance(id, "pid:" + std::to_string(::getpid()), ttl);
    coord::recipes::LoadBalancerTable collectors(client, "log-collectors",
                                                 {.on_change = [&](const auto&) { poke(); }});
    coord::recipes::ConfigWatcher apps(client, args.get("apps", "/logs/apps"), [&](const auto&, const auto&) { poke(); });
    std::set<std::string> owned;
    std::size_t seen_collectors = 0;  // printed too, so a watcher of the output sees each rebalance
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(args.num("seconds", 1000000));
    while (!g_stop && std::chrono::steady_clock::now() < until) {
      {
        std::unique_lock lock(mu);
        cv.wait_for(lock, std::chrono::milliseconds(200), [&] { return dirty; });  // woken by changes
        dirty = false;
      }
      if (!registration.alive()) {
        std::cerr << id << ": registration lost, stopping" << std::endl;
        return 3;
      }
      if (!collectors.ready() || !apps.wait_ready(std::chrono::milliseconds(0))) continue;
      std::vector<std::string> live;
      for (const auto& c : collectors.instances()) live.push_back(c.id);
      auto share = my_share(id, live, apps.snapshot());
      if (share != owned || live.size() != seen_collectors) {
        owned = share;
        seen_collectors = live.size();
        std::string line;
        for (const auto& a : owned) line += (line.empty() ? "" : ",") + a;
        std::cout << "owns: " << line << " (collectors: " << live.size() << ")" << std::endl;
      }
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "log_collector: " << e.what() << std::endl;
    return 1;
  }
}
