#include "server/config/log_flags.hpp"

#include <algorithm>

#include "server/config/split.hpp"

namespace coord::config {
namespace {

// Go's %q of a list of strings: ["a" "b"].
std::string quoted_list(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? " \"" : "\"") + v[i] + "\"";
  return out + "]";
}

// capnslog's level names (pkg/capnslog ParseLevel), mapped onto the logger's levels: NOTICE is
// written as info, TRACE as debug, CRITICAL as fatal.
Result<log::Level> parse_capnslog_level(const std::string& s) {
  if (s == "CRITICAL" || s == "C") return log::Level::kFatal;
  if (s == "ERROR" || s == "0" || s == "E") return log::Level::kError;
  if (s == "WARNING" || s == "1" || s == "W") return log::Level::kWarn;
  if (s == "NOTICE" || s == "2" || s == "N" || s == "INFO" || s == "3" || s == "I") return log::Level::kInfo;
  if (s == "DEBUG" || s == "4" || s == "D" || s == "TRACE" || s == "5" || s == "T") return log::Level::kDebug;
  return Status::invalid_argument("couldn't parse log level string: couldn't parse log level " + s);
}

}  // namespace

Result<std::vector<std::string>> parse_log_outputs(const std::string& value) {
  std::vector<std::string> out;
  for (const auto& part : split(value, ',')) {
    if (part.empty()) return Status::invalid_argument("invalid value \"" + value + "\" for flag -log-outputs: empty output");
    out.push_back(part);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<log::Level> parse_log_level(const std::string& v) {
  if (v == "debug") return log::Level::kDebug;
  if (v == "info") return log::Level::kInfo;
  if (v == "warn") return log::Level::kWarn;
  if (v == "error") return log::Level::kError;
  if (v == "dpanic" || v == "panic" || v == "fatal") return log::Level::kFatal;
  return Status::invalid_argument("invalid value \"" + v + "\" for flag -log-level: unknown level \"" + v +
                                  "\" (only supports debug, info, warn, error, panic, or fatal)");
}

Result<log::Options> resolve_log_options(const LogFlags& flags) {
  log::Options o;
  if (flags.logger == "capnslog") o.format = log::Format::kCapnslog;
  else if (flags.logger == "zap") o.format = log::Format::kZap;
  else return Status::invalid_argument("unknown logger option \"" + flags.logger + "\"");
  auto level = parse_log_level(flags.level);
  if (!level) return level.status();
  o.level = flags.debug ? log::Level::kDebug : *level;
  if (!flags.package_levels.empty()) {
    for (const auto& setting : split(flags.package_levels, ',')) {
      const auto parts = split(setting, '=');
      if (parts.size() != 2)
        return Status::invalid_argument("couldn't parse log level string: oddly structured `pkg=level` option: " + setting);
      auto l = parse_capnslog_level(parts[1]);
      if (!l) return l.status();
      if (parts[0] != "coordd" && parts[0] != "*")
        return Status::invalid_argument("--log-package-levels: unknown package \"" + parts[0] +
                                        "\" (coordd logs as one package, \"coordd\")");
      o.level = *l;
    }
  }
  if (flags.outputs.size() > log::kMaxOutputs)
    return Status::invalid_argument("--log-outputs: at most " + std::to_string(log::kMaxOutputs) + " outputs");
  if (o.format == log::Format::kCapnslog) {
    if (flags.outputs.size() != 1)
      return Status::invalid_argument("--logger=capnslog supports only 1 value in '--log-outputs', got " +
                                      quoted_list(flags.outputs));
    const auto& out = flags.outputs.front();
    if (out != "default" && out != "stderr" && out != "stdout")
      return Status::invalid_argument("unknown log-output \"" + out +
                                      "\" (only supports \"default\", \"stderr\", \"stdout\")");
  } else {
    for (const auto& out : flags.outputs) {
      if (flags.outputs.size() > 1 && out == "default")
        return Status::invalid_argument("multi logoutput for \"default\" is not supported yet");
      // etcd writes to systemd's journal for this one; coordd has no journal writer.
      if (out == "journal")
        return Status::invalid_argument("--log-outputs=journal is not supported by coordd (use stderr, stdout or a file)");
    }
  }
  o.outputs = flags.outputs;
  return o;
}

}  // namespace coord::config
