// See owned_value.hpp. Why begin before and end after: a refresh sent with the old value can
// reach the server after our compare-and-swap and get 101; announced first, that 101 is known to
// be our own change and not a loss.
#include "recipes/src/owned_value.hpp"

#include <algorithm>

#include "coord/error.hpp"
#include "coord/recipes/recipe_error.hpp"
#include "coord/recipes/refresher.hpp"

namespace coord::recipes::detail {

namespace {

[[noreturn]] void lost(Lease& lease, const std::string& key, std::string_view what) {
  std::string why = "key " + key + " is no longer ours";
  lease.mark_lost(why);
  throw RecipeError(RecipeError::Kind::kLost, std::string(what) + ": " + why);
}

}  // namespace

std::string current_owned_value(Client& client, std::uint64_t refresh_id, const std::string& key, Lease& lease,
                                std::string_view what) {
  auto candidates = Refresher::shared().owner_values(refresh_id);
  if (candidates.empty()) lost(lease, key, what);
  if (candidates.size() == 1) return candidates.front();
  try {
    Response r = client.get(key, GetOptions{.quorum = true, .timeout = std::chrono::seconds(5)});
    if (r.node.value && std::find(candidates.begin(), candidates.end(), *r.node.value) != candidates.end()) {
      Refresher::shared().settle_value(refresh_id, *r.node.value);
      return *r.node.value;
    }
  } catch (const Error& e) {
    if (e.error_code() != errc::kKeyNotFound) throw;
  }
  lost(lease, key, what);
}

Response rewrite_owned_value(Client& client, std::uint64_t refresh_id, const std::string& key, const std::string& prev,
                             const std::string& value, std::optional<std::chrono::seconds> ttl, Lease& lease,
                             std::string_view what) {
  using Outcome = Refresher::ChangeOutcome;
  Refresher& refresher = Refresher::shared();
  refresher.begin_value_change(refresh_id, value);
  auto sent = std::chrono::steady_clock::now();
  try {
    Response r = client.compare_and_swap(key, value, prev, std::nullopt,
                                         SetOptions{.ttl = ttl, .timeout = std::chrono::seconds(5)});
    refresher.end_value_change(refresh_id, value, Outcome::kApplied, sent);
    if (ttl) lease.renew(sent);
    return r;
  } catch (const Error& e) {
    refresher.end_value_change(refresh_id, value, Outcome::kRejected, sent);
    if (e.error_code() == errc::kKeyNotFound || e.error_code() == errc::kCompareFailed) lost(lease, key, what);
    throw;
  } catch (...) {
    refresher.end_value_change(refresh_id, value, Outcome::kUnknown, sent);
    throw;
  }
}

}  // namespace coord::recipes::detail
