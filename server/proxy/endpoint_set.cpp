#include "server/proxy/endpoint_set.hpp"

#include <algorithm>
#include <charconv>
#include <string_view>

namespace coord::proxy {

namespace {

std::int64_t ns(EndpointSet::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

EndpointSet::EndpointSet(std::chrono::milliseconds failure_wait) : failure_wait_(failure_wait) {}

bool EndpointSet::parse(const std::string& url, Endpoint& out) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) return false;
  std::string rest = url.substr(kScheme.size());
  rest = rest.substr(0, rest.find('/'));
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string host = rest.substr(0, colon);
  if (host == "localhost") host = "127.0.0.1";
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  const char* first = rest.data() + colon + 1;
  const char* last = rest.data() + rest.size();
  auto [p, ec] = std::from_chars(first, last, port);
  if (first == last || ec != std::errc() || p != last || port == 0 || port > 65535) return false;
  out.url = url;
  out.host = host;
  out.port = static_cast<std::uint16_t>(port);
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
