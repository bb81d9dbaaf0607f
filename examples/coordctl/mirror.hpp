// coordctl mirror --from URLS --to URLS [PREFIX]: copies the tree below PREFIX (default /) from
// one v2 server to another (coordd or etcd, either way), then follows it with a recursive watch
// and applies every change — sets, deletes, expirations, directory changes, TTLs — until SIGINT
// or SIGTERM (then exit 0). When the source's event history no longer reaches the next index
// (etcd error 401), the tree is copied again and what no longer exists at the source is removed
// from the destination, then following resumes from the new copy's index.
//
// The destination is overwritten below PREFIX; keys there that the source never had are left
// alone (except by a re-copy). Hidden keys are not mirrored (v2 neither lists nor watches them).
// A signal that arrives during a copy takes effect when the copy is done (the copy is not left
// half written). Runs on the calling thread plus one signal thread.
#pragma once

#include "coord/options.hpp"
#include "examples/coordctl/command_line.hpp"

namespace coord::examples {

int run_mirror(const CommandLine& cl, const ClientOptions& options);

}  // namespace coord::examples
