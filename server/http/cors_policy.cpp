#include "server/http/cors_policy.hpp"

#include <algorithm>

namespace coord::http {
namespace {
constexpr std::string_view kAnyOrigin = "*";
}  // namespace

CorsPolicy::CorsPolicy(std::vector<std::string> origins)
    : allows_all_(origins.empty() || std::find(origins.begin(), origins.end(), kAnyOrigin) != origins.end()),
      origins_(std::move(origins)) {}

std::string_view CorsPolicy::allow_origin(std::string_view origin) const {
  if (allows_all_) return kAnyOrigin;
  if (origin.empty()) return {};
  const auto found = std::find(origins_.begin(), origins_.end(), origin);
  return found == origins_.end() ? std::string_view() : std::string_view(*found);
}

}  // namespace coord::http
