#include "client/src/endpoint_set.hpp"

#include <algorithm>
#include <stdexcept>

#include "client/src/check.hpp"
#include "coord/endpoint_url.hpp"

namespace coord::detail {

std::string EndpointSet::normalize(const std::string& endpoint) {
  std::string why;
  const auto u = EndpointUrl::parse(endpoint, UrlRules::kEndpoint, nullptr, &why);
  if (!u) throw std::invalid_argument("coord: endpoint must be [http[s]://]host[:port]: " + endpoint + " (" + why + ")");
  return u->normalized();
}

EndpointSet::EndpointSet(std::vector<std::string> endpoints) {
  for (const auto& e : endpoints) {
    auto n = normalize(e);
    if (std::find(endpoints_.begin(), endpoints_.end(), n) == endpoints_.end()) endpoints_.push_back(n);
  }
  if (endpoints_.empty()) throw std::invalid_argument("coord: ClientOptions::endpoints is empty");
}

std::string EndpointSet::current() const {
  std::lock_guard lock(mu_);
  return endpoints_[current_];
}

std::size_t EndpointSet::size() const {
  std::lock_guard lock(mu_);
  return endpoints_.size();
}

std::vector<std::string> EndpointSet::all() const {
  std::lock_guard lock(mu_);
  return endpoints_;
}

void EndpointSet::failed(const std::string& endpoint) {
  std::lock_guard lock(mu_);
  // Only the first reporter of a failure rotates; concurrent calls that failed on the same
  // endpoint must not skip over a healthy one.
  if (endpoints_[current_] == endpoint) current_ = (current_ + 1) % endpoints_.size();
  // Invariant: the current endpoint always exists.
  COORD_CLIENT_CHECK(current_ < endpoints_.size());
}

void EndpointSet::merge(const std::vector<std::string>& endpoints) {
  std::lock_guard lock(mu_);
  for (const auto& e : endpoints) {
    std::string n;
    try {
      n = normalize(e);
    } catch (const std::invalid_argument&) {
      continue;
    }
    if (std::find(endpoints_.begin(), endpoints_.end(), n) == endpoints_.end()) endpoints_.push_back(n);
  }
}

}  // namespace coord::detail
