#include "test/bench/coord_bench/bench_options.hpp"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string_view>

namespace coord::bench {
namespace {

constexpr const char* kUsage = R"(usage: coord-bench --workload=W [flags]
  --workload=put|get|qget|mixed|create-in-order|ttl-refresh|load|watch-fanout
  --endpoints=http://127.0.0.1:2379[,http://...]   connections spread round-robin (https:// for TLS)
  --connections=64 --in-flight=1 (pipelining when >1) --threads=1 --duration=10 (seconds)
  --keys=10000 --key-size=0 (0 = natural) --value-size=66 --prefix=/bench
  --ratio=0.9 (mixed: share of GETs) --ttl=60 (ttl-refresh) --prefill (write each key once first)
  --watchers=1000 --rounds=3 --watch-dir (watch-fanout)
  --idle=0 (watch-fanout: seconds to hold every watcher registered and idle before the first PUT)
  --format=human|tsv
)";

std::optional<Workload> workload_from(std::string_view name) {
  if (name == "put") return Workload::kPut;
  if (name == "get") return Workload::kGet;
  if (name == "qget") return Workload::kQuorumGet;
  if (name == "mixed") return Workload::kMixed;
  if (name == "create-in-order") return Workload::kCreateInOrder;
  if (name == "ttl-refresh") return Workload::kTtlRefresh;
  if (name == "load") return Workload::kLoad;
  if (name == "watch-fanout") return Workload::kWatchFanout;
  return std::nullopt;
}

std::optional<Endpoint> endpoint_from(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  constexpr std::string_view kTlsScheme = "https://";
  const bool tls = url.starts_with(kTlsScheme);
  if (tls) url.remove_prefix(kTlsScheme.size());
  if (url.starts_with(kScheme)) url.remove_prefix(kScheme.size());
  while (url.ends_with('/')) url.remove_suffix(1);
  auto colon = url.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == url.size()) return std::nullopt;
  Endpoint e;
  e.host = std::string(url.substr(0, colon));
  e.port = std::string(url.substr(colon + 1));
  e.host_header = std::string(url);
  e.tls = tls;
  return e;
}

bool parse_endpoints(std::string_view list, BenchOptions& options) {
  options.endpoints.clear();
  while (!list.empty()) {
    auto comma = list.find(',');
    auto item = list.substr(0, comma);
    auto e = endpoint_from(item);
    if (!e) return false;
    options.endpoints.push_back(*e);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
  return !options.endpoints.empty();
}

// Applies one "--name=value" (or bare "--name") flag; false when unknown or malformed.
bool apply_flag(std::string_view name, std::string_view value, BenchOptions& o) {
  std::string v(value);
  char* end = nullptr;
  auto num = [&] { return std::strtod(v.c_str(), &end); };
  auto ok = [&] { return !v.empty() && end && *end == '\0'; };
  if (name == "workload") {
    auto w = workload_from(value);
    if (!w) return false;
    o.workload = *w;
    o.workload_name = v;
    return true;
  }
  if (name == "endpoints") return parse_endpoints(value, o);
  if (name == "prefix") return !(o.prefix = v).empty() && o.prefix.front() == '/';
  if (name == "format") {
    if (value == "tsv") o.format = OutputFormat::kTsv;
    else if (value == "human") o.format = OutputFormat::kHuman;
    else return false;
    return true;
  }
  if (name == "prefill") return (o.prefill = true);
  if (name == "watch-dir") return (o.watch_dir = true);
  double d = num();
  if (!ok() || d < 0) return false;
  if (name == "connections") o.connections = static_cast<int>(d);
  else if (name == "in-flight") o.in_flight = static_cast<int>(d);
  else if (name == "threads") o.threads = static_cast<int>(d);
  else if (name == "duration") o.duration_s = d;
  else if (name == "keys") o.keys = static_cast<std::uint64_t>(d);
  else if (name == "key-size") o.key_size = static_cast<int>(d);
  else if (name == "value-size") o.value_size = static_cast<int>(d);
  else if (name == "ratio") o.read_ratio = d;
  else if (name == "ttl") o.ttl_s = static_cast<int>(d);
  else if (name == "watchers") o.watchers = static_cast<int>(d);
  else if (name == "rounds") o.rounds = static_cast<int>(d);
  else if (name == "idle") o.idle_s = d;
  else return false;
  return true;
}

}  // namespace

std::optional<BenchOptions> parse_options(int argc, char** argv) {
  BenchOptions o;
  parse_endpoints("http://127.0.0.1:2379", o);
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return std::nullopt;
    }
    if (!arg.starts_with("--")) {
      std::cerr << "coord-bench: unexpected argument '" << arg << "'\n" << kUsage;
      return std::nullopt;
    }
    arg.remove_prefix(2);
    auto eq = arg.find('=');
    auto name = arg.substr(0, eq);
    auto value = eq == std::string_view::npos ? std::string_view{} : arg.substr(eq + 1);
    if (!apply_flag(name, value, o)) {
      std::cerr << "coord-bench: bad flag '--" << arg << "'\n" << kUsage;
      return std::nullopt;
    }
  }
  if (o.connections < 1 || o.in_flight < 1 || o.threads < 1 || o.keys < 1 || o.rounds < 1 ||
      o.watchers < 1 || o.read_ratio > 1.0) {
    std::cerr << "coord-bench: connections, in-flight, threads, keys, rounds, watchers must be >= 1"
                 " and ratio <= 1\n";
    return std::nullopt;
  }
  return o;
}

std::string key_path(const BenchOptions& options, std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string path = options.prefix + "/k";
  auto natural = path.size() + digits.size();
  if (options.key_size > 0 && static_cast<std::size_t>(options.key_size) > natural) {
    path.append(options.key_size - natural, '0');
  }
  return path + digits;
}

}  // namespace coord::bench
