#include "server/proxy/member_refresher.hpp"

#include <algorithm>
#include <cstdio>

#include "server/common/log.hpp"
#include "server/proxy/cluster_file.hpp"
#include "server/transport/cluster_fetch.hpp"

namespace coord::proxy {

MemberRefresher::MemberRefresher(EndpointSet& endpoints, std::vector<std::string> peer_urls, std::string data_dir,
                                 std::chrono::milliseconds interval, std::chrono::milliseconds fetch_timeout,
                                 std::shared_ptr<tls::ContextSource> peer_tls)
    : endpoints_(endpoints),
      data_dir_(std::move(data_dir)),
      interval_(interval),
      fetch_timeout_(fetch_timeout),
      peer_tls_(std::move(peer_tls)),
      peer_urls_(std::move(peer_urls)) {}

MemberRefresher::~MemberRefresher() { stop(); }

void MemberRefresher::start() {
  last_ok_ = refresh();
  thread_ = std::thread([this] { loop(); });
}

void MemberRefresher::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool MemberRefresher::refresh() {
  auto info = transport::fetch_cluster(peer_urls_, fetch_timeout_, peer_tls_.get());
  if (!info) {
    COORD_LOG_WARN("proxy: cannot get the member list: " + info.status().to_string());
    return false;
  }
  std::vector<std::string> client_urls, peer_urls;
  for (const auto& m : info->members) {
    client_urls.insert(client_urls.end(), m.client_urls.begin(), m.client_urls.end());
    peer_urls.insert(peer_urls.end(), m.peer_urls.begin(), m.peer_urls.end());
  }
  std::sort(peer_urls.begin(), peer_urls.end());
  endpoints_.replace(client_urls);
  if (peer_urls.empty()) return true;  // nothing better to record
  auto recorded = peer_urls_;
  std::sort(recorded.begin(), recorded.end());
  if (peer_urls != recorded || !last_ok_) {
    if (auto s = write_cluster_file(data_dir_, peer_urls); !s.is_ok())
      COORD_LOG_ERROR("proxy: cannot record the cluster: " + s.to_string());
    peer_urls_ = std::move(peer_urls);
  }
  return true;
}

void MemberRefresher::loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto wait = interval_;
    if (interval_ >= std::chrono::seconds(30) && (!last_ok_ || endpoints_.available_count() == 0))
      wait = std::chrono::seconds(1);
    if (!last_ok_ && wait > std::chrono::seconds(1)) wait = std::chrono::seconds(1);
    cv_.wait_for(lock, wait, [this] { return stopping_; });
    if (stopping_) return;
    lock.unlock();
    last_ok_ = refresh();
    lock.lock();
  }
}

}  // namespace coord::proxy
