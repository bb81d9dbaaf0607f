#include "server/proxy/endpoint_set.hpp"

#include <algorithm>

#include "coord/endpoint_url.hpp"

namespace coord::proxy {

namespace {

std::int64_t ns(EndpointSet::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

EndpointSet::EndpointSet(std::chrono::milliseconds failure_wait) : failure_wait_(failure_wait) {}

bool EndpointSet::parse(const std::string& url, Endpoint& out) {
  // A member's client URL is an advertised URL (coord/endpoint_url.hpp); port 0 cannot be dialed.
  const auto u = EndpointUrl::parse(url, UrlRules::kAdvertise);
  if (!u || u->is_tls() || u->port() == 0) return false;
  const auto endpoint = u->tcp_endpoint();  // a host name is kept: forward.cpp holds it out at dial time
  out.url = url;
  out.host = endpoint ? endpoint->address().to_string() : u->hostname();
  out.port = u->port();
  return true;
}

void EndpointSet::replace(const std::vector<std::string>& urls) {
  std::lock_guard lock(mu_);
  std::vector<std::string> shuffled = urls;
  std::shuffle(shuffled.begin(), shuffled.end(), shuffle_);
  auto next = std::make_shared<List>();
  next->reserve(shuffled.size());
  for (const auto& url : shuffled) {
    Endpoint e;
    if (!parse(url, e)) continue;
    if (std::any_of(next->begin(), next->end(), [&](const Endpoint& o) { return o.url == url; })) continue;
    for (const auto& old : *list_)
      if (old.url == url) e.held_until_ns.store(old.held_until_ns.load());
    next->push_back(e);
  }
  list_ = std::move(next);
}

std::shared_ptr<const EndpointSet::List> EndpointSet::snapshot() const {
  std::lock_guard lock(mu_);
  return list_;
}

bool EndpointSet::available(const Endpoint& e, Clock::time_point now) {
  return e.held_until_ns.load(std::memory_order_relaxed) <= ns(now);
}

void EndpointSet::mark_failed(const Endpoint& e, Clock::time_point now) const {
  e.held_until_ns.store(ns(now + failure_wait_), std::memory_order_relaxed);
}

std::size_t EndpointSet::available_count() const {
  const auto list = snapshot();
  const auto now = Clock::now();
  return static_cast<std::size_t>(std::count_if(list->begin(), list->end(), [&](const Endpoint& e) { return available(e, now); }));
}

std::vector<std::string> EndpointSet::available_urls() const {
  const auto list = snapshot();
  const auto now = Clock::now();
  std::vector<std::string> out;
  for (const auto& e : *list)
    if (available(e, now)) out.push_back(e.url);
  return out;
}

}  // namespace coord::proxy
