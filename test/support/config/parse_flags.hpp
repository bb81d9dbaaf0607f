// parse_flags: a coordd command line (without argv[0], which it adds) and environment parsed as
// coordd parses them at start; shared by the flag tests of test/unit/config/.
#pragma once

#include <string>
#include <vector>

#include "server/config/server_config.hpp"

namespace coord::test {

inline Result<config::ParseOutcome> parse_flags(std::vector<std::string> args, std::vector<std::string> env = {}) {
  args.insert(args.begin(), "coordd");
  return config::parse(args, env);
}

}  // namespace coord::test
