// BenchOptions: what one coord-bench run does (workload, load shape, key space, output form),
// parsed from the command line. A plain value; safe to copy and read from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace coord::bench {

// One server address: "http://127.0.0.1:2379" (or https://) split into host and port.
struct Endpoint {
  std::string host;
  std::string port;
  std::string host_header;  // "host:port", sent as Host
  bool tls = false;         // https: TLS without verifying the server (a load generator, not a client)
};

enum class Workload { kPut, kGet, kQuorumGet, kMixed, kCreateInOrder, kTtlRefresh, kLoad, kWatchFanout };

enum class OutputFormat { kHuman, kTsv };

struct BenchOptions {
  Workload workload = Workload::kPut;
  std::string workload_name = "put";
  std::vector<Endpoint> endpoints;
  int connections = 64;        // TCP connections, spread round-robin over the endpoints
  int in_flight = 1;           // requests in flight per connection (pipelined when > 1)
  int threads = 1;             // threads running the io_context
  double duration_s = 10.0;    // measured time (not for load / watch-fanout)
  std::uint64_t keys = 10000;  // key space: <prefix>/k<n>, n in [0, keys)
  int key_size = 0;            // length of the key path (prefix + name), zero-padded; 0 = natural
  int value_size = 66;         // bytes of value
  std::string prefix = "/bench";
  double read_ratio = 0.9;     // mixed: share of GETs
  int ttl_s = 60;              // ttl-refresh: the TTL set and refreshed
  bool prefill = false;        // write every key once before the measured phase
  int watchers = 1000;         // watch-fanout: long-poll watchers
  int rounds = 3;              // watch-fanout: PUTs (each waited for by every watcher)
  bool watch_dir = false;      // watch-fanout: watch the dir recursively, PUT a key inside it
  double idle_s = 0;           // watch-fanout: seconds every watcher waits, registered, before the first PUT
  OutputFormat format = OutputFormat::kHuman;
};

// Parses argv; on a bad or missing flag returns nullopt after printing the problem and usage.
std::optional<BenchOptions> parse_options(int argc, char** argv);

// The key path (under /v2/keys) of key number n, padded to options.key_size.
std::string key_path(const BenchOptions& options, std::uint64_t n);

}  // namespace coord::bench
