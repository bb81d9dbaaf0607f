// cluster-health (see cluster_health.hpp).
#include "examples/coordctl/cluster_health.hpp"

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <boost/json.hpp>

#include "coord/endpoint_url.hpp"
#include "coord/error.hpp"
#include "examples/coordctl/http_get.hpp"

namespace json = boost::json;

namespace coord::examples {
namespace {

constexpr int kExitSuccess = 0, kExitServerError = 4, kExitClusterNotHealthy = 5;

// What etcdctl (Go's net/http) says when a URL cannot be reached: `Get "URL": dial tcp
// HOST:PORT: connect: connection refused` for a refused connection, the transport's own words
// otherwise.
std::string unreachable_text(const std::string& url, const std::string& detail) {
  std::string text = "Get \"" + url + "/health\": ";
  if (detail.find("refused") != std::string::npos) {
    const auto u = EndpointUrl::parse(url, UrlRules::kEndpoint);  // Go dials host:port, the default port filled in
    return text + "dial tcp " + (u ? u->authority() : url) + ": connect: connection refused";
  }
  return text + detail;
}

// {"health":"true"} or {"health":true}: etcd answers the first, older servers the second. The
// body is read whatever the status (an unhealthy etcd answers 503 with "false").
std::optional<bool> parse_health(const std::string& body, std::string& error) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) {
    error = "invalid character in the /health answer";
    return std::nullopt;
  }
  const json::value* h = v.as_object().if_contains("health");
  if (h && h->is_string()) return h->as_string() == "true";
  if (h && h->is_bool()) return h->as_bool();
  return false;  // Go decodes a missing or odd field as the zero value: not healthy
}

std::string url_list(const std::vector<std::string>& urls) {  // Go's %v of a []string
  std::string s = "[";
  for (std::size_t i = 0; i < urls.size(); ++i) s += (i ? " " : "") + urls[i];
  return s + "]";
}

}  // namespace

int run_cluster_health(Client& client, const CommandLine& cl, const ClientOptions& options) {
  std::vector<Member> members;
  try {
    members = client.members();
  } catch (const std::exception& e) {
    std::cout << "cluster may be unhealthy: failed to list members\n";
    std::cerr << "Error:  client: etcd cluster is unavailable or misconfigured; error #0: " << e.what() << "\n";
    return kExitServerError;
  }
  if (cl.flag("forever")) std::signal(SIGINT, [](int) { std::_Exit(kExitSuccess); });  // as etcdctl: Ctrl-C ends it, status 0
  for (;;) {
    std::size_t healthy = 0;
    for (const auto& m : members) {
      if (m.client_urls.empty()) {
        std::cout << "member " << m.id << " is unreachable: no available published client urls\n";
        continue;
      }
      bool checked = false;
      for (const auto& url : m.client_urls) {
        std::string error;
        auto answer = http_call(options, "GET", url, "/health", "", std::chrono::seconds(5), &error);
        if (!answer) {
          std::cout << "failed to check the health of member " << m.id << " on " << url << ": "
                    << unreachable_text(url, error) << "\n";
          continue;
        }
        auto ok = parse_health(answer->body, error);
        if (!ok) {
          std::cout << "failed to check the health of member " << m.id << " on " << url << ": " << error << "\n";
          continue;
        }
        checked = true;
        if (*ok) {
          std::cout << "member " << m.id << " is healthy: got healthy result from " << url << "\n";
          ++healthy;
        } else {
          std::cout << "member " << m.id << " is unhealthy: got unhealthy result from " << url << "\n";
        }
        break;
      }
      if (!checked) std::cout << "member " << m.id << " is unreachable: " << url_list(m.client_urls) << " are all unreachable\n";
    }
    if (healthy == members.size()) std::cout << "cluster is healthy\n";
    else if (healthy == 0) std::cout << "cluster is unavailable\n";
    else std::cout << "cluster is degraded\n";
    std::cout.flush();
    if (!cl.flag("forever")) return healthy == members.size() ? kExitSuccess : kExitClusterNotHealthy;
    std::cout << "\nnext check after 10 second...\n\n" << std::flush;
    std::this_thread::sleep_for(std::chrono::seconds(10));  // etcdctl's period
  }
}

}  // namespace coord::examples
