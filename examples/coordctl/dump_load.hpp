// coordctl dump and load: a key tree out of a v2 server as JSON lines (examples/coordctl/key_tree.hpp)
// and back into any v2 server (coordd or etcd).
//
//   dump [PREFIX] [--hidden KEY]...  the tree below PREFIX (default /) on stdout: values, directories,
//                                    the seconds left of every TTL. v2 never lists hidden keys (a
//                                    name starting with "_"), so each hidden tree to include is named
//                                    with --hidden (its non-hidden children are listed as usual).
//   load FILE|- [--overwrite]        writes the lines back, directories and TTLs included. Refuses
//                                    (etcd's 105, nothing written) when a top-level key of the file
//                                    exists, unless --overwrite.
// Both show progress on stderr. Single-threaded callers.
#pragma once

#include "coord/client.hpp"
#include "examples/coordctl/command_line.hpp"

namespace coord::examples {

int run_dump(Client& client, const CommandLine& cl);
int run_load(Client& client, const CommandLine& cl);

}  // namespace coord::examples
