// Internal: the client's endpoint list with a sticky current endpoint. A failure reported for
// the current endpoint moves to the next one; success keeps it. Safe for concurrent use.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

namespace coord::detail {

class EndpointSet {
 public:
  // Throws std::invalid_argument for an empty list or an endpoint that is not a client endpoint
  // (UrlRules::kEndpoint, coord/endpoint_url.hpp).
  explicit EndpointSet(std::vector<std::string> endpoints);

  std::string current() const;
  std::size_t size() const;
  std::vector<std::string> all() const;
  // `endpoint` failed: if it is still the current one, rotate to the next.
  void failed(const std::string& endpoint);
  // Adds endpoints not yet known (discovery), keeping the order and the current one.
  void merge(const std::vector<std::string>& endpoints);

  // "http://h:p/" -> "http://h:p", "h:p" -> "http://h:p", "HTTPS://h" -> "https://h"
  // (EndpointUrl::normalized); throws std::invalid_argument when malformed.
  static std::string normalize(const std::string& endpoint);

 private:
  mutable std::mutex mu_;
  std::vector<std::string> endpoints_;  // guarded by mu_; Invariant: never empty
  std::size_t current_ = 0;             // guarded by mu_; Invariant: < endpoints_.size()
};

}  // namespace coord::detail
