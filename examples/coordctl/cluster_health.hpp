// coordctl cluster-health [--forever]: etcdctl v2's cluster-health, line for line. Each member's
// client URLs are asked for /health in turn; the first that answers decides "healthy" or
// "unhealthy", a URL that cannot be reached is reported ("failed to check the health of member
// ... on URL: ...") and the member is "unreachable" when none answers. The last line is
// "cluster is healthy" (every member healthy, exit 0), "cluster is degraded" (some) or "cluster
// is unavailable" (none), both exit 5. --forever repeats the check every 10 s until SIGINT.
// Single-threaded.
#pragma once

#include "coord/client.hpp"
#include "coord/options.hpp"
#include "examples/coordctl/command_line.hpp"

namespace coord::examples {

int run_cluster_health(Client& client, const CommandLine& cl, const ClientOptions& options);

}  // namespace coord::examples
