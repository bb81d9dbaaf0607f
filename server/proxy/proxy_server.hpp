// The proxy mode of coordd (--proxy on|readonly): joins no cluster, stores nothing but the
// cluster file (server/proxy/cluster_file.hpp), and forwards every client request to a live
// member of the cluster named by --initial-cluster (or by the cluster file of an earlier run).
// run_proxy() serves until SIGTERM/SIGINT.
//
// Thread-safety: call run_proxy() once, from main's thread.
#pragma once

#include <memory>

#include "server/config/server_config.hpp"
#include "server/tls/context_source.hpp"

namespace coord::proxy {

// Starts the proxy described by `config` and serves until a signal; the process exit code.
// `peer_tls` (from the peer TLS flags) reaches members whose peer URLs are https for the member
// list; null: only http peer URLs can be asked.
int run_proxy(const config::ServerConfig& config, std::shared_ptr<tls::ContextSource> peer_tls);

}  // namespace coord::proxy
