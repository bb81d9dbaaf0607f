#include "test/bench/coord_bench/request_source.hpp"

namespace coord::bench {

RequestSource::RequestSource(const BenchOptions& options, Workload workload)
    : options_(options), workload_(workload) {
  value_body_ = "value=" + std::string(static_cast<std::size_t>(options.value_size), 'v');
  // Keys refreshed later must carry a TTL already, so the prefill of ttl-refresh sets one.
  if (options.workload == Workload::kTtlRefresh) value_body_ += "&ttl=" + std::to_string(options.ttl_s);
  refresh_body_ = "ttl=" + std::to_string(options.ttl_s) + "&refresh=true&prevExist=true";
}

bool RequestSource::next(const Endpoint& endpoint, std::string& out) {
  std::uint64_t n = counter_.fetch_add(1, std::memory_order_relaxed);
  if (workload_ == Workload::kLoad && n >= options_.keys) return false;
  std::string path = "/v2/keys" + key_path(options_, n % options_.keys);
  switch (workload_) {
    case Workload::kPut:
    case Workload::kLoad:
      append_put(endpoint, path, value_body_, out);
      return true;
    case Workload::kGet:
      append_get(endpoint, path, false, out);
      return true;
    case Workload::kQuorumGet:
      append_get(endpoint, path, true, out);
      return true;
    case Workload::kMixed: {
      // A fixed hash of n spreads reads and writes evenly and reproducibly (no shared RNG).
      double u = static_cast<double>((n * 0x9E3779B97F4A7C15ull) >> 11) / 9007199254740992.0;
      if (u < options_.read_ratio) append_get(endpoint, path, false, out);
      else append_put(endpoint, path, value_body_, out);
      return true;
    }
    case Workload::kTtlRefresh:
      append_put(endpoint, path, refresh_body_, out);
      return true;
    case Workload::kCreateInOrder: {
      std::string body = value_body_;
      out += "POST /v2/keys" + options_.prefix + "/queue HTTP/1.1\r\nHost: " + endpoint.host_header +
             "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n\r\n" + body;
      return true;
    }
    case Workload::kWatchFanout:
      return false;
  }
  return false;
}

void RequestSource::append_put(const Endpoint& endpoint, const std::string& path,
                               const std::string& body, std::string& out) const {
  out += "PUT ";
  out += path;
  out += " HTTP/1.1\r\nHost: ";
  out += endpoint.host_header;
  out += "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ";
  out += std::to_string(body.size());
  out += "\r\n\r\n";
  out += body;
}

void RequestSource::append_get(const Endpoint& endpoint, const std::string& path, bool quorum,
                               std::string& out) const {
  out += "GET ";
  out += path;
  if (quorum) out += "?quorum=true";
  out += " HTTP/1.1\r\nHost: ";
  out += endpoint.host_header;
  out += "\r\n\r\n";
}

}  // namespace coord::bench
