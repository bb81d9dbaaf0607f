// The parameters of a /v2/keys request: parsing and validation exactly as etcd 3.4 does it
// (etcd 3.4's v2 API: checks in a fixed order, first failure wins, exact codes and causes, index 0),
// what kind of request it is (get, watch, quorum get or write; §4), and the apply::Request a
// write (or quorum get) becomes. Pure functions and plain values; safe to use from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "server/apply/request.hpp"
#include "server/common/check.hpp"
#include "server/common/clock.hpp"
#include "server/http/url.hpp"
#include "server/store/v2_error.hpp"
#include "server/store/v2_result.hpp"

namespace coord::http {

// Results are a value or the etcd error to answer with (store::V2Result, the project's style).
using store::V2Result;

// The methods the keys endpoint accepts; anything else is answered 405 by the router with
// `Allow: HEAD,GET,PUT,POST,DELETE` before any parameter is looked at.
enum class KeysMethod : std::uint8_t { kGet, kHead, kPut, kPost, kDelete };

// "GET" → kGet, ...; nullopt for any other (case-sensitive, as Go compares them).
std::optional<KeysMethod> keys_method_from_string(std::string_view method);
std::string_view keys_method_name(KeysMethod method);

// Every parameter of a keys request, after validation.
struct KeysParams {
  KeysMethod method = KeysMethod::kGet;
  std::string key;                         // cleaned user key: "/" for the root, "/a/b"
  std::string value;                       // first "value" ("" when absent)
  bool dir = false;
  bool recursive = false;
  bool sorted = false;
  bool wait = false;
  std::uint64_t wait_index = 0;            // 0: only events after the watch starts
  bool stream = false;
  bool quorum = false;
  std::optional<bool> prev_exist;          // absent when not given
  std::optional<std::string> prev_value;   // absent when not given; never empty (error 201)
  std::uint64_t prev_index = 0;            // 0 means "no condition"
  bool ttl_given = false;                  // "ttl" appeared, possibly empty ("ttl=")
  std::optional<std::uint64_t> ttl;        // seconds; absent when not given or empty (permanent)
  std::optional<bool> refresh;             // absent when not given
  bool no_value_on_success = false;

  friend bool operator==(const KeysParams&, const KeysParams&) = default;
};

// The user key of a decoded URL path on the keys endpoint: "/v2/keys" → "/",
// "/v2/keys/trail/" → "/trail" (etcd's path.Join drops the trailing slash). Returns nullopt
// when the path is not on the keys endpoint ("/v2/keysx").
std::optional<std::string> keys_key_from_path(std::string_view decoded_path);

// Validates `form` for a keys request on `key` (already a user key, see keys_key_from_path;
// it is cleaned again here). Runs the checks of etcd 3.4's v2 API in etcd's order: prevIndex (203),
// waitIndex (203), recursive/sorted/wait/dir/quorum/stream (209), wait on a non-GET (209),
// empty prevValue (201), noValueOnSuccess (209), ttl (202), prevExist (209), refresh (209),
// refresh with a value (211), refresh without a ttl (212). Every error has index 0.
V2Result<KeysParams> parse_keys_params(KeysMethod method, std::string_view key,
                                       const FormValues& form);

// The whole keys parse from the raw request pieces: form parsing (error 210 first), then
// parse_keys_params. `decoded_path` must be on the keys endpoint (see keys_key_from_path).
// `content_type` is "" when the header is absent.
V2Result<KeysParams> parse_keys_request(KeysMethod method, std::string_view decoded_path,
                                        std::string_view content_type, std::string_view body,
                                        std::string_view raw_query);

// What the server does with a valid keys request (etcd 3.4's v2 API).
enum class KeysOp : std::uint8_t {
  kGet,        // GET or HEAD: read the member's own store (wait=false, or HEAD)
  kWatch,      // GET wait=true (and not quorum): watch from wait_index, streaming if asked
  kQuorumGet,  // GET quorum=true (wait ignored): linearizable read
  kWrite,      // PUT, POST, DELETE: through Raft
};

KeysOp classify(const KeysParams& params);

// The largest expiration build_request produces. A huge ttl (Go overflows its duration there)
// is clamped to this instant, about year 2255, so that later arithmetic on it cannot overflow.
inline constexpr UnixNanos kMaxExpiration = 9'000'000'000'000'000'000;

// The saturating expiration of `ttl_seconds` from `now`: min(now + ttl × 1e9, kMaxExpiration).
UnixNanos expiration_after(UnixNanos now, std::uint64_t ttl_seconds);

// The Request for a write or quorum get (classify() is kWrite or kQuorumGet; checked).
// PUT → kPut with dir, value, prev_exist, prev_value, prev_index, expiration, refresh.
// POST → kPost with dir, value, expiration (prevExist/prevValue/prevIndex/refresh ignored).
// DELETE → kDelete with dir, recursive, prev_value, prev_index (prevExist and ttl ignored).
// GET quorum → kQGet with recursive and sorted.
// A given non-empty ttl becomes expiration = now + ttl s (clamped); "ttl=" or no ttl leaves it
// absent (permanent). time = now; id is left 0 for the proposer to fill in.
apply::Request build_request(const KeysParams& params, UnixNanos now);
// The same, moving the key and values out of `params` (a large value is not copied).
apply::Request build_request(KeysParams&& params, UnixNanos now);

// True when a success with `action` must be answered with only `{"action":"..."}`:
// noValueOnSuccess=true and the action is set, create, update or compareAndSwap (POST creates
// included). get, delete, compareAndDelete and watch events always carry their nodes.
bool omit_nodes_on_success(const KeysParams& params, std::string_view action);
// The same from the request's noValueOnSuccess alone (for an answer that keeps no KeysParams).
bool omit_nodes_on_success(bool no_value_on_success, std::string_view action);

// Go strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False.
std::optional<bool> parse_go_bool(std::string_view s);
// Go strconv.ParseUint(s, 10, 64): decimal digits only, no sign or spaces, at most 2^64-1.
std::optional<std::uint64_t> parse_go_uint(std::string_view s);

}  // namespace coord::http
