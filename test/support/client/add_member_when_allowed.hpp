// Adds a member at `peer_url` through `client`, asking again until the cluster accepts: with
// strict reconfiguration (the default, as in etcd) a removal or an addition is refused until the
// members have been connected for 5 s, so a young cluster says no at first. Nullopt when
// `timeout` passed without a yes.
#pragma once

#include <chrono>
#include <exception>
#include <optional>
#include <string>

#include "coord/client.hpp"
#include "test/support/process/eventually.hpp"

namespace coord::test {

inline std::optional<coord::Member> add_member_when_allowed(coord::Client& client, const std::string& peer_url,
                                                            std::chrono::milliseconds timeout) {
  std::optional<coord::Member> added;
  eventually([&] {
    try {
      added = client.add_member({peer_url});
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }, timeout);
  return added;
}

}  // namespace coord::test
