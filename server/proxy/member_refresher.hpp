// MemberRefresher: keeps a proxy's EndpointSet in step with the cluster. On its own thread it
// asks the members' peer URLs for the member list (GET <peer>/members, as etcd's proxy does),
// puts every member's client URLs in the EndpointSet, and records the peer URLs in the cluster
// file when they change. It asks again every refresh interval, and every second while the last
// attempt failed or no endpoint is available (etcd's rule for intervals of 30 s or more).
//
// A failed attempt keeps the client URLs learned before (etcd drops them): members whose peer
// port is unreachable may still serve clients, and a dial failure holds one out anyway.
//
// Thread-safety: construct, start() and stop() from one thread; the EndpointSet it fills is
// safe for concurrent use.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/proxy/endpoint_set.hpp"
#include "server/tls/context_source.hpp"

namespace coord::proxy {

class MemberRefresher {
 public:
  // `peer_tls` reaches https peer URLs (null: they fail, with a warning at each attempt).
  MemberRefresher(EndpointSet& endpoints, std::vector<std::string> peer_urls, std::string data_dir,
                  std::chrono::milliseconds interval, std::chrono::milliseconds fetch_timeout,
                  std::shared_ptr<tls::ContextSource> peer_tls = nullptr);
  ~MemberRefresher();

  // One refresh now, on the caller's thread (so a proxy with a reachable cluster serves from its
  // first request), then the refresh thread.
  void start();
  // Stops and joins the refresh thread. Idempotent.
  void stop();

 private:
  // One attempt; true when the member list was fetched.
  bool refresh();
  void loop();

  // Constant after construction.
  EndpointSet& endpoints_;
  const std::string data_dir_;
  const std::chrono::milliseconds interval_;
  const std::chrono::milliseconds fetch_timeout_;
  const std::shared_ptr<tls::ContextSource> peer_tls_;

  // Touched only by the thread that runs refresh() (start's caller, then the refresh thread).
  std::vector<std::string> peer_urls_;
  bool last_ok_ = false;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace coord::proxy
