// The proxy mode of coordd (--proxy on|readonly): joins no cluster, stores nothing but the
// cluster file (server/proxy/cluster_file.hpp), and forwards every client request to a live
// member of the cluster named by --initial-cluster (or by the cluster file of an earlier run).
// run_proxy() serves until SIGTERM/SIGINT.
//
// Thread-safety: call run_proxy() once, from main's thread.
#pragma once

#include "server/config/server_config.hpp"

namespace coord::proxy {

// Starts the proxy described by `config` and serves until a signal; the process exit code.
int run_proxy(const config::ServerConfig& config);

}  // namespace coord::proxy
