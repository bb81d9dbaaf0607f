// Tiny "--name value" / "--flag" command-line reader shared by the example programs. Not part of
// the SDK. Single-threaded use.
#pragma once

#include <chrono>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "coord/options.hpp"

namespace coord::examples {

class Args {
 public:
  Args(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      if (a.rfind("--", 0) != 0) {
        positional_.push_back(a);
        continue;
      }
      a = a.substr(2);
      if (auto eq = a.find('='); eq != std::string::npos) {
        values_[a.substr(0, eq)] = a.substr(eq + 1);
      } else if (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) {
        values_[a] = argv[++i];
      } else {
        values_[a] = "true";
      }
    }
  }
  std::string get(const std::string& name, const std::string& fallback = "") const {
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second;
  }
  long num(const std::string& name, long fallback) const {
    auto it = values_.find(name);
    return it == values_.end() ? fallback : std::strtol(it->second.c_str(), nullptr, 10);
  }
  bool flag(const std::string& name) const { return values_.count(name) && values_.at(name) != "false"; }
  const std::vector<std::string>& positional() const { return positional_; }

  // --endpoints a,b,c (default: $COORD_ENDPOINTS or http://127.0.0.1:2379).
  ClientOptions client_options() const {
    const char* env = std::getenv("COORD_ENDPOINTS");
    std::string list = get("endpoints", env ? env : "http://127.0.0.1:2379");
    ClientOptions o;
    std::stringstream ss(list);
    for (std::string e; std::getline(ss, e, ',');) {
      if (!e.empty()) o.endpoints.push_back(e);  // "host:port" is http (coord/endpoint_url.hpp)
    }
    o.request_timeout = std::chrono::seconds(5);
    return o;
  }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

}  // namespace coord::examples
