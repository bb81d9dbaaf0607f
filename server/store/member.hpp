// Member: one cluster member as the store keeps it (etcd keeps it in its internal /0 tree and
// shows it at /v2/members). Plain value; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace coord::store {

struct Member {
  std::uint64_t id = 0;
  std::string name;                      // "" until the member publishes its attributes
  std::vector<std::string> peer_urls;
  std::vector<std::string> client_urls;  // empty until the member publishes its attributes

  friend bool operator==(const Member&, const Member&) = default;
};

}  // namespace coord::store
