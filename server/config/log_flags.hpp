// The logging flags of etcd 3.4 (--logger, --log-level, --log-outputs, --debug,
// --log-package-levels) as written on the command line, and their resolution into the logger's
// settings (server/common/log.hpp) with etcd's checks and words. Pure functions, no state.
#pragma once

#include <string>
#include <vector>

#include "server/common/log.hpp"
#include "server/common/status.hpp"

namespace coord::config {

struct LogFlags {
  std::string logger = "capnslog";  // etcd 3.4's default; "zap" writes JSON lines
  std::string level = "info";       // --log-level
  bool debug = false;               // --debug: the same as --log-level debug
  // --log-outputs: as etcd's unique-strings flag, comma-separated, duplicates dropped, sorted.
  std::vector<std::string> outputs{"default"};
  std::string package_levels;       // --log-package-levels: "PKG=LEVEL,..." (capnslog's levels)
};

// Splits a --log-outputs value as etcd does (comma-separated, unique, sorted).
Result<std::vector<std::string>> parse_log_outputs(const std::string& value);

// --log-level's values, as etcd's zap levels ("dpanic", "panic" and "fatal" all keep only fatal
// lines: coordd has no panic level).
Result<log::Level> parse_log_level(const std::string& value);

// The logger's settings from the flags, refusing what etcd refuses: an unknown logger, more than
// one output or a file output with capnslog, "default" among several outputs with zap. Files are
// not opened here (log::configure does, and says when one cannot be). --log-package-levels names
// coordd's one package, "coordd" (or "*"): its level overrides --log-level, as in capnslog.
Result<log::Options> resolve_log_options(const LogFlags& flags);

}  // namespace coord::config
