// Owner tokens: values unique to one holder (host, pid, a random part), stored in the keys a
// recipe owns so that refreshes and releases are owner-checked with prevValue. Stateless helpers,
// safe from any thread.
#pragma once

#include <string>

namespace coord::recipes {

// "<host>-<pid>-<16 hex digits>", different at every call.
std::string make_owner_token();

}  // namespace coord::recipes
