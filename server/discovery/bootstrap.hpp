// How coordd uses discovery when it starts (server/main.cpp): a new member registers and learns
// its initial cluster; a proxy (--proxy on, or a member that found the cluster full and falls
// back to a proxy) learns the members' peer URLs. Builds the KeysClient and Discovery from the
// flags (--discovery, --discovery-proxy) and turns the answer into config.
//
// Thread-safety: free functions, called from main's thread during start.
#pragma once

#include <string>
#include <vector>

#include "server/common/status.hpp"
#include "server/config/server_config.hpp"

namespace coord::discovery {

// This member's registration value: "name=peerURL" for each advertised peer URL, sorted (etcd's
// URLsMap string of the member alone).
std::string self_registration(const config::ServerConfig& c);

// Whether --discovery and --discovery-proxy are URLs coordd can use (http, a token path); the
// error says what is wrong. join() and fetch() check the same.
Status check_urls(const config::ServerConfig& c);

// Registers this member at c.discovery and waits until the cluster is complete; its
// --initial-cluster value. Failures as Discovery::join_cluster states them.
Result<std::string> join(const config::ServerConfig& c);

// The members registered at c.discovery (waiting until there are `size`), for a proxy.
Result<std::string> fetch(const config::ServerConfig& c);

// Makes `cluster` (from join) the member's initial cluster: checks that no peer URL appears
// twice ("discovery cluster ... has duplicate url", etcd's words) and that this member is in it
// with its advertised peer URLs.
Status use_discovered_cluster(config::ServerConfig& c, const std::string& cluster);

}  // namespace coord::discovery
