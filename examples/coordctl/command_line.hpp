// coordctl's command line: global flags (--endpoints, --output/-o, etcdctl v2's TLS and auth
// flags --ca-file, --cert-file, --key-file, --username/-u USER[:PASSWORD]), the command, its
// arguments and flags (-x and --x alike; --name=value or --name value; a repeated flag keeps
// every value), and the words after "--" (the program run by lock, elect and exec-watch).
// Plain data; single-threaded.
#pragma once

#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "coord/endpoint_url.hpp"
#include "coord/options.hpp"
#include "coord/tls.hpp"
#include "examples/coordctl/password_prompt.hpp"

namespace coord::examples {

struct CommandLine {
  std::string endpoints;
  std::string output = "simple";
  std::string command;
  std::vector<std::string> args;  // positional words after the command (a subcommand included)
  std::map<std::string, std::string> flags;                    // the last value of each flag
  std::map<std::string, std::vector<std::string>> repeated;    // every value, in order
  std::vector<std::string> rest;  // after "--"

  static constexpr const char* kUsage =
      "usage: coordctl [--endpoints URLS] [--output simple|json|extended] COMMAND ...\n"
      "  get KEY [--quorum]            set KEY VALUE [--ttl S] [--swap-with-value V] [--swap-with-index I]\n"
      "  mk KEY VALUE [--ttl S]        mkdir KEY [--ttl S]        update KEY VALUE [--ttl S]\n"
      "  rm KEY [--dir] [--recursive] [--with-value V] [--with-index I]     rmdir KEY\n"
      "  ls [KEY] [--recursive] [-p]   watch KEY [--forever] [--after-index I] [--recursive]\n"
      "  exec-watch KEY [--after-index I] [--recursive] -- COMMAND...\n"
      "  member list | member add NAME PEER_URL | member remove ID      cluster-health [--forever]\n"
      "  dump [PREFIX] [--hidden KEY]... > FILE     load FILE|- [--overwrite]\n"
      "  mirror --from URLS --to URLS [PREFIX]      backup --data-dir DIR --backup-dir DIR2\n"
      "  auth enable|disable   user add|remove|get|list|passwd USER   user grant|revoke USER --roles R...\n"
      "  role add|remove|get|list ROLE   role grant|revoke ROLE --path P --read|--write|--readwrite\n"
      "  global: --ca-file F --cert-file F --key-file F --username USER[:PASSWORD]\n"
      "  lock NAME [--ttl S] [-- COMMAND...]   elect NAME VALUE [--ttl S] [-- COMMAND...]   elect NAME -l\n";

  // Flags that never take a value.
  static bool is_boolean(const std::string& name) {
    static const std::set<std::string> names{"forever", "recursive", "dir", "quorum", "p", "l", "listen", "sort", "help",
                                            "read", "write", "readwrite", "rw", "overwrite"};
    return names.count(name) > 0;
  }

  static CommandLine parse(int argc, char** argv) {
    CommandLine cl;
    const char* env = std::getenv("ETCDCTL_ENDPOINTS");
    if (!env) env = std::getenv("COORD_ENDPOINTS");
    cl.endpoints = env ? env : "http://127.0.0.1:2379";
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      if (a == "--") {
        for (++i; i < argc; ++i) cl.rest.push_back(argv[i]);
        break;
      }
      if (a.size() > 1 && a[0] == '-') {
        std::string name = a.substr(a.rfind('-', 1) + 1), value;
        if (auto eq = name.find('='); eq != std::string::npos) {
          value = name.substr(eq + 1);
          name = name.substr(0, eq);
        } else if (is_boolean(name)) {
          value = "true";
        } else {
          if (i + 1 >= argc) throw std::invalid_argument("flag --" + name + " needs a value");
          value = argv[++i];
        }
        if (name == "endpoints" || name == "endpoint" || name == "peers" || name == "C") {
          cl.endpoints = value;
        } else if (name == "output" || name == "o") {
          if (value != "simple" && value != "json" && value != "extended") throw std::invalid_argument("unknown output " + value);
          cl.output = value;
        } else {
          cl.flags[name] = value;
          cl.repeated[name].push_back(value);
        }
      } else if (cl.command.empty()) {
        cl.command = a;
      } else {
        cl.args.push_back(a);
      }
    }
    return cl;
  }

  bool has(const std::string& name) const { return flags.count(name) > 0; }
  bool flag(const std::string& name) const { return has(name) && flags.at(name) != "false"; }
  std::string get(const std::string& name) const { return has(name) ? flags.at(name) : ""; }
  std::vector<std::string> all(const std::string& name) const {
    return repeated.count(name) ? repeated.at(name) : std::vector<std::string>{};
  }
  long num(const std::string& name) const {
    std::size_t used = 0;
    long v = std::stol(get(name), &used);
    if (used != get(name).size()) throw std::invalid_argument("--" + name + " needs a number");
    return v;
  }

  // "a:1,http://b:2" -> {"http://a:1", "http://b:2"}.
  static std::vector<std::string> split_endpoints(const std::string& list) {
    std::vector<std::string> out;
    std::stringstream ss(list);
    for (std::string e; std::getline(ss, e, ',');) {
      if (e.empty()) continue;
      // As the SDK reads an endpoint (coord/endpoint_url.hpp); a bad one is left for the Client
      // constructor to refuse with its message.
      const auto u = EndpointUrl::parse(e, UrlRules::kEndpoint);
      out.push_back(u ? u->normalized() : e);
    }
    return out;
  }

  ClientOptions client_options() const {
    ClientOptions o;
    o.endpoints = split_endpoints(endpoints);
    o.request_timeout = std::chrono::seconds(5);
    o.retry.max_attempts = 3;
    o.tls.ca_file = get("ca-file");
    o.tls.cert_file = get("cert-file");
    o.tls.key_file = get("key-file");
    bool https = !o.tls.ca_file.empty() || !o.tls.cert_file.empty();
    for (const auto& e : o.endpoints) https = https || e.rfind("https://", 0) == 0;
    if (https) enable_tls(o);
    // etcdctl: USER:PASSWORD, or USER and the password asked for on the terminal.
    const std::string user = has("username") ? get("username") : get("u");
    if (!user.empty()) {
      const auto colon = user.find(':');
      o.username = user.substr(0, colon);
      o.password = colon == std::string::npos ? ask_password("Password: ") : user.substr(colon + 1);
    }
    return o;
  }
};

}  // namespace coord::examples
