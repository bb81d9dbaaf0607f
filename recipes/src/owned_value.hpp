// Internal helpers for recipes that rewrite a key the shared Refresher keeps alive with an
// owner-checked refresh (Registration, TaskProgress). The refresher is told about a new value
// before the compare-and-swap is sent and about its outcome afterwards, so a refresh racing the
// write never makes a live lease look lost; after an outcome that stays unknown both values
// remain candidates and the next write (or refresh) finds out which one the key holds.
// Stateless; call from the recipe's owner thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "coord/client.hpp"
#include "coord/recipes/lease.hpp"

namespace coord::recipes::detail {

// The value our key holds now: the refresher's only candidate or, after a write with an unknown
// outcome, the candidate a quorum read finds there. Throws RecipeError::kLost (marking the lease
// lost) when the key is gone or holds none of them; client errors when the read fails.
std::string current_owned_value(Client& client, std::uint64_t refresh_id, const std::string& key, Lease& lease,
                                std::string_view what);

// Compare-and-swaps `key` from `prev` to `value` (with `ttl`; none: no TTL), announcing it to the
// refresher entry `refresh_id` (0: none). Throws RecipeError::kLost (marking the lease lost) when
// the key is no longer ours, client errors otherwise.
Response rewrite_owned_value(Client& client, std::uint64_t refresh_id, const std::string& key, const std::string& prev,
                             const std::string& value, std::optional<std::chrono::seconds> ttl, Lease& lease,
                             std::string_view what);

}  // namespace coord::recipes::detail
