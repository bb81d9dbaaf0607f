// Owner tokens mix a process identity (for people reading the keys) with 64 random bits (so two
// holders never share a token, even across pid reuse).
#include "coord/recipes/owner_token.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <random>

namespace coord::recipes {

std::string make_owner_token() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}() ^ (static_cast<std::uint64_t>(::getpid()) << 32)};
  std::uint64_t r;
  {
    std::lock_guard lock(mu);
    r = rng();
  }
  char host[64] = "host";
  ::gethostname(host, sizeof host - 1);
  host[sizeof host - 1] = '\0';
  char buf[128];
  std::snprintf(buf, sizeof buf, "%s-%d-%016llx", host, static_cast<int>(::getpid()),
                static_cast<unsigned long long>(r));
  return buf;
}

}  // namespace coord::recipes
