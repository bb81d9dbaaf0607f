// CorsPolicy: which answers of the client API carry CORS headers, from --cors, as etcd 3.4
// decides (its AccessController.OriginAllowed and addCORSHeader): with "*" (the default)
// every answer allows any origin ("Access-Control-Allow-Origin: *"); with a list of origins, an
// answer carries the headers only when its request's Origin header is one of them, exactly as
// the list holds it (URLs with a lower-case scheme: server/config's --cors), and then names
// that origin. Immutable once built; shared by every session of a listener.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace coord::http {

class CorsPolicy {
 public:
  // `origins`: "*" among them allows every origin; an empty list allows every origin too
  // (etcd's "empty means allow all").
  explicit CorsPolicy(std::vector<std::string> origins);

  // The Access-Control-Allow-Origin value for a request whose Origin header is `origin` (""
  // when it has none), or "" when its answer gets no CORS headers. The view stays valid as
  // long as the policy.
  std::string_view allow_origin(std::string_view origin) const;
  // True when every answer gets the headers whatever its Origin: allow_origin() need not be
  // given the header.
  bool allows_all() const { return allows_all_; }

 private:
  bool allows_all_ = false;
  std::vector<std::string> origins_;
};

}  // namespace coord::http
