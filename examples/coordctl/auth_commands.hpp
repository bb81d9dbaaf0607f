// coordctl's v2 auth commands, with etcdctl v2's arguments, output and exit codes (0, or 1 with
// the server's message on stderr):
//   auth enable | auth disable
//   user add USER[:PASSWORD] | user remove USER | user get USER | user list | user passwd USER
//   user grant USER --roles ROLE [--roles ROLE...] | user revoke USER --roles ROLE...
//   role add ROLE | role remove ROLE | role get ROLE | role list
//   role grant ROLE --path PATH (--read | --write | --readwrite) | role revoke ROLE ...
// Requests go to the endpoints in order until one answers, with --username's credentials and
// the TLS files of the options. Single-threaded.
#pragma once

#include <string>

#include "coord/options.hpp"
#include "examples/coordctl/command_line.hpp"

namespace coord::examples {

// True for "auth", "user" and "role".
bool is_auth_command(const std::string& command);
// Runs one of them; returns the exit code.
int run_auth_command(const CommandLine& cl, const ClientOptions& options);

}  // namespace coord::examples
