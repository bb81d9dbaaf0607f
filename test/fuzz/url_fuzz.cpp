// Fuzz target: the URL handling of the client API (server/http/url.hpp): request target,
// unescaping, Go's path.Clean and ServeMux cleaning, redirects, query strings and form bodies.
// Checks: cleaning is idempotent and yields an absolute path; escape_path and path_unescape are
// inverses; a target is redirected exactly when cleaning changes its path, and a redirect's
// location is itself a clean target.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/http/url.hpp"
#include "test/fuzz/fuzz_check.hpp"

using namespace coord;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);

  if (auto target = http::parse_request_target(in)) {
    // Exactly the targets whose path ServeMux cleaning changes are redirected ("*" aside).
    if (target->path != "*")
      FUZZ_CHECK(http::redirect_for(*target).has_value() == (http::mux_clean_path(target->path) != target->path));
    if (auto redirect = http::redirect_for(*target)) {
      FUZZ_CHECK(!redirect->location.empty());
      auto moved = http::parse_request_target(redirect->location);
      FUZZ_CHECK(moved.has_value());
      FUZZ_CHECK(!http::redirect_for(*moved).has_value());
    }
  }

  const std::string cleaned = http::path_clean(in);
  FUZZ_CHECK(http::path_clean(cleaned) == cleaned);
  const std::string mux = http::mux_clean_path(in);
  FUZZ_CHECK(!mux.empty() && mux[0] == '/');
  FUZZ_CHECK(http::mux_clean_path(mux) == mux);

  std::string unescaped;
  if (http::path_unescape(http::escape_path(in), unescaped)) FUZZ_CHECK(unescaped == in);
  else FUZZ_CHECK(false);  // escape_path's output must always unescape
  std::string query_value;
  (void)http::query_unescape(in, query_value);

  http::FormValues query;
  (void)http::parse_query_into(in, query);
  const std::size_t half = size / 2;
  http::FormValues form;
  (void)http::parse_form("PUT", "application/x-www-form-urlencoded", in.substr(0, half), in.substr(half), form);
  std::string type, error;
  (void)http::parse_media_type(in, type, error);
  return 0;
}
