#include "server/http/keys_params.hpp"

#include <boost/test/unit_test.hpp>
#include <limits>
#include <string>

#include "server/store/event.hpp"

using namespace coord;
using namespace coord::http;

namespace {

constexpr std::string_view kForm = "application/x-www-form-urlencoded";
constexpr UnixNanos kNow = 1'700'000'000 * kNanosPerSecond;

// Parses `query` (and an urlencoded `body`) for `method` on /v2/keys/k.
V2Result<KeysParams> parse(KeysMethod method, std::string_view query, std::string_view body = "") {
  return parse_keys_request(method, "/v2/keys/k", kForm, body, query);
}

// The etcd error a request gets; fails the test when it parses.
store::V2Error error_of(KeysMethod method, std::string_view query, std::string_view body = "") {
  auto r = parse(method, query, body);
  BOOST_TEST_REQUIRE(!r.ok());
  return r.error();
}

void check_error(const store::V2Error& e, int code, std::string_view cause) {
  BOOST_TEST(e.code == code);
  BOOST_TEST(e.cause == cause);
  BOOST_TEST(e.index == 0u);
}

KeysParams ok(KeysMethod method, std::string_view query, std::string_view body = "") {
  auto r = parse(method, query, body);
  BOOST_TEST_REQUIRE(r.ok());
  return r.value();
}

apply::Request request_for(KeysMethod method, std::string_view query, std::string_view body = "") {
  return build_request(ok(method, query, body), kNow);
}

constexpr auto kGet = KeysMethod::kGet;
constexpr auto kPut = KeysMethod::kPut;

}  // namespace

BOOST_AUTO_TEST_SUITE(keys_parse_checks)

BOOST_AUTO_TEST_CASE(check1__prev_index_not_uint_is_203) {
  for (auto q : {"prevIndex=abc", "prevIndex=-1", "prevIndex=+5", "prevIndex=", "prevIndex=%205",
                 "prevIndex=18446744073709551616", "prevIndex=1_000"}) {
    BOOST_TEST_CONTEXT(q) { check_error(error_of(kPut, q), 203, "invalid value for \"prevIndex\""); }
  }
  BOOST_TEST(ok(kPut, "prevIndex=18446744073709551615").prev_index ==
             std::numeric_limits<std::uint64_t>::max());
  BOOST_TEST(ok(kPut, "prevIndex=007").prev_index == 7u);
}

BOOST_AUTO_TEST_CASE(check2__wait_index_is_checked_even_without_wait) {
  check_error(error_of(kGet, "waitIndex=x"), 203, "invalid value for \"waitIndex\"");
  check_error(error_of(kPut, "waitIndex=-3"), 203, "invalid value for \"waitIndex\"");
  BOOST_TEST(ok(kGet, "waitIndex=42").wait_index == 42u);
}

BOOST_AUTO_TEST_CASE(check3__each_flag_must_be_a_go_bool_in_order) {
  for (auto name : {"recursive", "sorted", "wait", "dir", "quorum", "stream"}) {
    const std::string q = std::string(name) + "=yes";
    BOOST_TEST_CONTEXT(name) {
      check_error(error_of(kGet, q), 209, "invalid value for \"" + std::string(name) + "\"");
      check_error(error_of(kGet, std::string(name) + "="), 209,
                  "invalid value for \"" + std::string(name) + "\"");
    }
  }
  // Order among them: recursive, sorted, wait, dir, quorum, stream.
  check_error(error_of(kGet, "stream=x&quorum=x&dir=x&wait=x&sorted=x&recursive=x"), 209,
              "invalid value for \"recursive\"");
  check_error(error_of(kGet, "stream=x&quorum=x&dir=x&wait=x&sorted=x"), 209,
              "invalid value for \"sorted\"");
  check_error(error_of(kGet, "stream=x&quorum=x&dir=x&wait=x"), 209, "invalid value for \"wait\"");
  check_error(error_of(kGet, "stream=x&quorum=x&dir=x"), 209, "invalid value for \"dir\"");
  check_error(error_of(kGet, "stream=x&quorum=x"), 209, "invalid value for \"quorum\"");
}

BOOST_AUTO_TEST_CASE(check4__wait_only_with_get) {
  const std::string cause = "\"wait\" can only be used with GET requests";
  check_error(error_of(kPut, "wait=true"), 209, cause);
  check_error(error_of(KeysMethod::kPost, "wait=true"), 209, cause);
  check_error(error_of(KeysMethod::kDelete, "wait=1"), 209, cause);
  check_error(error_of(KeysMethod::kHead, "wait=true"), 209, cause);  // Go compares with "GET"
  BOOST_TEST(ok(kPut, "wait=false").wait == false);
}

BOOST_AUTO_TEST_CASE(check5__empty_prev_value_is_201) {
  check_error(error_of(kPut, "prevValue="), 201, "\"prevValue\" cannot be empty");
  check_error(error_of(KeysMethod::kDelete, "prevValue"), 201, "\"prevValue\" cannot be empty");
  BOOST_TEST(ok(kPut, "prevValue=x").prev_value.value_or("none") == "x");
  BOOST_TEST(!ok(kPut, "").prev_value.has_value());
}

BOOST_AUTO_TEST_CASE(check6__no_value_on_success_must_be_bool) {
  check_error(error_of(kPut, "noValueOnSuccess=x"), 209, "invalid value for \"noValueOnSuccess\"");
  BOOST_TEST(ok(kPut, "noValueOnSuccess=true").no_value_on_success);
}

BOOST_AUTO_TEST_CASE(check7__nonempty_ttl_must_be_uint) {
  for (auto q : {"ttl=-1", "ttl=%2B5", "ttl=abc", "ttl=%205", "ttl=1.5", "ttl=99999999999999999999"}) {
    BOOST_TEST_CONTEXT(q) { check_error(error_of(kPut, q), 202, "invalid value for \"ttl\""); }
  }
  auto empty = ok(kPut, "ttl=");
  BOOST_TEST(!empty.ttl.has_value());
  BOOST_TEST(empty.ttl_given);
  auto absent = ok(kPut, "");
  BOOST_TEST(!absent.ttl.has_value());
  BOOST_TEST(!absent.ttl_given);
  BOOST_TEST(ok(kPut, "ttl=0").ttl.value_or(99) == 0u);
}

BOOST_AUTO_TEST_CASE(check8__prev_exist_must_be_bool_cause_without_quotes) {
  check_error(error_of(kPut, "prevExist=maybe"), 209, "invalid value for prevExist");
  check_error(error_of(kPut, "prevExist="), 209, "invalid value for prevExist");
  BOOST_TEST((ok(kPut, "prevExist=False").prev_exist == std::optional<bool>(false)));  // D18
  BOOST_TEST(!ok(kPut, "").prev_exist.has_value());
}

BOOST_AUTO_TEST_CASE(check9__refresh_must_be_bool) {
  check_error(error_of(kPut, "refresh=x"), 209, "invalid value for refresh");
}

BOOST_AUTO_TEST_CASE(check10__refresh_with_a_value_is_211) {
  check_error(error_of(kPut, "refresh=true&ttl=5", "value=x"), 211,
              "A value was provided on a refresh");
  // An empty value is no value; refresh=false allows one.
  BOOST_TEST((ok(kPut, "refresh=true&ttl=5&value=").refresh == std::optional<bool>(true)));
  BOOST_TEST(ok(kPut, "refresh=false&value=x").value == "x");
}

BOOST_AUTO_TEST_CASE(check11__refresh_without_ttl_is_212) {
  check_error(error_of(kPut, "refresh=true"), 212, "No TTL value set");
  check_error(error_of(kPut, "refresh=true&ttl="), 212, "No TTL value set");
}

BOOST_AUTO_TEST_CASE(order__first_failing_check_wins_f27_to_f31) {
  // prevIndex beats ttl and recursive; recursive beats ttl.
  check_error(error_of(kPut, "ttl=x&recursive=x&prevIndex=x"), 203, "invalid value for \"prevIndex\"");
  check_error(error_of(kPut, "ttl=x&recursive=x"), 209, "invalid value for \"recursive\"");
  // waitIndex beats the flags.
  check_error(error_of(kPut, "recursive=x&waitIndex=x"), 203, "invalid value for \"waitIndex\"");
  // wait on PUT beats an empty prevValue; an empty prevValue beats ttl.
  check_error(error_of(kPut, "prevValue=&wait=true"), 209, "\"wait\" can only be used with GET requests");
  check_error(error_of(kPut, "ttl=x&prevValue="), 201, "\"prevValue\" cannot be empty");
  // noValueOnSuccess beats ttl; ttl beats prevExist; prevExist beats refresh.
  check_error(error_of(kPut, "ttl=x&noValueOnSuccess=x"), 209, "invalid value for \"noValueOnSuccess\"");
  check_error(error_of(kPut, "prevExist=x&ttl=x"), 202, "invalid value for \"ttl\"");
  check_error(error_of(kPut, "refresh=x&prevExist=x"), 209, "invalid value for prevExist");
  check_error(error_of(kPut, "refresh=true&value=v"), 211, "A value was provided on a refresh");
}

BOOST_AUTO_TEST_CASE(form_errors__come_before_every_parameter_check_f33_f34) {
  check_error(error_of(kPut, "prevIndex=x&y=%zz"), 210, "invalid URL escape \"%zz\"");
  check_error(error_of(kPut, "", "value=%zz"), 210, "invalid URL escape \"%zz\"");
  BOOST_TEST(error_of(kGet, "x=%zz").message() == "Invalid POST form");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(keys_parse_values)

BOOST_AUTO_TEST_CASE(bools__every_go_spelling) {
  for (auto s : {"1", "t", "T", "TRUE", "true", "True"}) BOOST_TEST((parse_go_bool(s) == std::optional<bool>(true)));
  for (auto s : {"0", "f", "F", "FALSE", "false", "False"}) BOOST_TEST((parse_go_bool(s) == std::optional<bool>(false)));
  for (auto s : {"", "yes", "on", "TRue", " true", "true ", "2", "tRUE"}) BOOST_TEST(!parse_go_bool(s).has_value());
  // A25: recursive=1&sorted=T&quorum=TRUE&dir=False&stream=f.
  auto p = ok(kGet, "recursive=1&sorted=T&quorum=TRUE&dir=False&stream=f");
  BOOST_TEST(p.recursive);
  BOOST_TEST(p.sorted);
  BOOST_TEST(p.quorum);
  BOOST_TEST(!p.dir);
  BOOST_TEST(!p.stream);
}

BOOST_AUTO_TEST_CASE(uints__parse_uint_base_10_rules) {
  BOOST_TEST((parse_go_uint("0") == std::optional<std::uint64_t>(0)));
  BOOST_TEST((parse_go_uint("18446744073709551615") ==
             std::optional<std::uint64_t>(std::numeric_limits<std::uint64_t>::max())));
  for (auto s : {"", "-0", "+1", " 1", "1 ", "0x10", "1e3", "18446744073709551616", "99999999999999999999"})
    BOOST_TEST(!parse_go_uint(s).has_value());
}

BOOST_AUTO_TEST_CASE(values__body_beats_query_and_first_wins) {
  BOOST_TEST(ok(kPut, "value=query", "value=body").value == "body");  // A12
  BOOST_TEST(ok(kPut, "value=query").value == "query");              // A13
  BOOST_TEST(ok(kPut, "value=a&value=b").value == "a");              // A15
  BOOST_TEST(ok(kPut, "").value == "");                              // A11
}

BOOST_AUTO_TEST_CASE(values__repeated_ttl_uses_the_first_f25_f26) {
  BOOST_TEST(ok(kPut, "ttl=abc", "ttl=1000").ttl.value_or(0) == 1000u);
  check_error(error_of(kPut, "ttl=1000", "ttl=abc"), 202, "invalid value for \"ttl\"");
  // An empty first ttl means "no ttl" even when a later one is a number (FormValue is first).
  BOOST_TEST(!ok(kPut, "ttl=5", "ttl=").ttl.has_value());
}

BOOST_AUTO_TEST_CASE(values__json_body_is_ignored_a14) {
  auto r = parse_keys_request(kPut, "/v2/keys/jsonbody", "application/json", "{\"value\":\"x\"}", "");
  BOOST_TEST_REQUIRE(r.ok());
  BOOST_TEST(r.value().value == "");
}

BOOST_AUTO_TEST_CASE(key__from_decoded_path) {
  BOOST_TEST(keys_key_from_path("/v2/keys").value_or("none") == "/");
  BOOST_TEST(keys_key_from_path("/v2/keys/").value_or("none") == "/");
  BOOST_TEST(keys_key_from_path("/v2/keys/trail/").value_or("none") == "/trail");  // A19
  BOOST_TEST(keys_key_from_path("/v2/keys/a/b").value_or("none") == "/a/b");       // A17
  BOOST_TEST(keys_key_from_path("/v2/keys/sp ace/\xE2\x9C\x93").value_or("none") == "/sp ace/\xE2\x9C\x93");
  BOOST_TEST(!keys_key_from_path("/v2/keysx").has_value());
  BOOST_TEST(!keys_key_from_path("/v2/key").has_value());
  auto r = parse_keys_request(kGet, "/v2/keys/dir/", "", "", "");
  BOOST_TEST(r.value().key == "/dir");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(keys_dispatch)

BOOST_AUTO_TEST_CASE(classify__gets_watches_quorum_and_writes) {
  BOOST_TEST((classify(ok(kGet, "")) == KeysOp::kGet));
  BOOST_TEST((classify(ok(kGet, "wait=true")) == KeysOp::kWatch));
  BOOST_TEST((classify(ok(kGet, "wait=true&stream=true&waitIndex=7")) == KeysOp::kWatch));
  BOOST_TEST((classify(ok(kGet, "quorum=true")) == KeysOp::kQuorumGet));
  BOOST_TEST((classify(ok(kGet, "wait=true&quorum=true")) == KeysOp::kQuorumGet));  // A24c
  BOOST_TEST((classify(ok(kGet, "stream=true")) == KeysOp::kGet));                 // W27
  BOOST_TEST((classify(ok(KeysMethod::kHead, "quorum=true")) == KeysOp::kGet));
  BOOST_TEST((classify(ok(kPut, "")) == KeysOp::kWrite));
  BOOST_TEST((classify(ok(KeysMethod::kPost, "")) == KeysOp::kWrite));
  BOOST_TEST((classify(ok(KeysMethod::kDelete, "")) == KeysOp::kWrite));
}

BOOST_AUTO_TEST_CASE(build__put_set_carries_value_dir_and_time) {
  apply::Request r = request_for(kPut, "", "value=Hello+world");
  BOOST_TEST((r.method == apply::Method::kPut));
  BOOST_TEST(r.path == "/k");
  BOOST_TEST(r.value == "Hello world");
  BOOST_TEST(!r.prev_exist.has_value());
  BOOST_TEST(!r.prev_value.has_value());
  BOOST_TEST(r.prev_index == 0u);
  BOOST_TEST(!r.expiration.has_value());
  BOOST_TEST(!r.refresh);
  BOOST_TEST(r.time == kNow);
  BOOST_TEST(r.id == 0u);
  BOOST_TEST(request_for(kPut, "dir=true").dir);
}

BOOST_AUTO_TEST_CASE(build__put_conditions_create_update_cas) {
  BOOST_TEST((request_for(kPut, "prevExist=false&dir=true").prev_exist == std::optional<bool>(false)));
  BOOST_TEST((request_for(kPut, "prevExist=true").prev_exist == std::optional<bool>(true)));
  apply::Request cas = request_for(kPut, "prevValue=one&prevIndex=16", "value=two");
  BOOST_TEST(cas.prev_value.value_or("none") == "one");
  BOOST_TEST(cas.prev_index == 16u);
  BOOST_TEST(cas.value == "two");
  BOOST_TEST(request_for(kPut, "prevIndex=0").prev_index == 0u);  // D10: a plain set
}

BOOST_AUTO_TEST_CASE(build__ttl_becomes_absolute_expiration) {
  BOOST_TEST((request_for(kPut, "ttl=5").expiration == std::optional<UnixNanos>(kNow + 5 * kNanosPerSecond)));
  BOOST_TEST((request_for(kPut, "ttl=0").expiration == std::optional<UnixNanos>(kNow)));
  BOOST_TEST(!request_for(kPut, "ttl=").expiration.has_value());
  apply::Request refresh = request_for(kPut, "ttl=7&refresh=true&prevExist=true");
  BOOST_TEST(refresh.refresh);
  BOOST_TEST((refresh.expiration == std::optional<UnixNanos>(kNow + 7 * kNanosPerSecond)));
}

BOOST_AUTO_TEST_CASE(build__huge_ttl_is_clamped_not_overflowed) {
  BOOST_TEST((request_for(kPut, "ttl=99999999999").expiration == std::optional<UnixNanos>(kMaxExpiration)));
  BOOST_TEST((request_for(kPut, "ttl=18446744073709551615").expiration ==
             std::optional<UnixNanos>(kMaxExpiration)));
  BOOST_TEST(expiration_after(kMaxExpiration, 1) == kMaxExpiration);
  BOOST_TEST(expiration_after(kMaxExpiration - 3 * kNanosPerSecond, 3) == kMaxExpiration);
  BOOST_TEST(expiration_after(kMaxExpiration - 3 * kNanosPerSecond, 2) ==
             kMaxExpiration - kNanosPerSecond);
  BOOST_TEST(expiration_after(-5 * kNanosPerSecond, 10) == 5 * kNanosPerSecond);
}

BOOST_AUTO_TEST_CASE(build__post_ignores_conditions_and_refresh) {
  apply::Request r = request_for(KeysMethod::kPost, "prevExist=false&prevValue=x&prevIndex=3&ttl=1000&dir=true",
                                 "value=Job1");
  BOOST_TEST((r.method == apply::Method::kPost));
  BOOST_TEST(r.value == "Job1");
  BOOST_TEST(r.dir);
  BOOST_TEST(!r.prev_exist.has_value());
  BOOST_TEST(!r.prev_value.has_value());
  BOOST_TEST(r.prev_index == 0u);
  BOOST_TEST((r.expiration == std::optional<UnixNanos>(kNow + 1000 * kNanosPerSecond)));
}

BOOST_AUTO_TEST_CASE(build__delete_and_compare_and_delete) {
  apply::Request del = request_for(KeysMethod::kDelete, "recursive=true&prevExist=false&ttl=5");
  BOOST_TEST((del.method == apply::Method::kDelete));
  BOOST_TEST(del.recursive);
  BOOST_TEST(!del.prev_exist.has_value());
  BOOST_TEST(!del.expiration.has_value());
  apply::Request dir = request_for(KeysMethod::kDelete, "dir=true");
  BOOST_TEST(dir.dir);
  BOOST_TEST(!dir.recursive);
  apply::Request cad = request_for(KeysMethod::kDelete, "prevValue=one&prevIndex=9");
  BOOST_TEST(cad.prev_value.value_or("none") == "one");
  BOOST_TEST(cad.prev_index == 9u);
}

BOOST_AUTO_TEST_CASE(build__quorum_get_is_qget_with_recursive_and_sorted) {
  apply::Request r = request_for(kGet, "quorum=true&recursive=true&sorted=true&wait=true");
  BOOST_TEST((r.method == apply::Method::kQGet));
  BOOST_TEST(r.recursive);
  BOOST_TEST(r.sorted);
  BOOST_TEST(r.path == "/k");
  BOOST_TEST(r.time == kNow);
}

BOOST_AUTO_TEST_CASE(no_value_on_success__only_for_set_create_update_cas) {
  KeysParams p = ok(kPut, "noValueOnSuccess=true");
  for (auto a : {store::action::kSet, store::action::kCreate, store::action::kUpdate,
                 store::action::kCompareAndSwap})
    BOOST_TEST(omit_nodes_on_success(p, a));
  for (auto a : {store::action::kGet, store::action::kDelete, store::action::kCompareAndDelete,
                 store::action::kExpire})
    BOOST_TEST(!omit_nodes_on_success(p, a));
  BOOST_TEST(!omit_nodes_on_success(ok(kPut, ""), store::action::kSet));
}

BOOST_AUTO_TEST_CASE(methods__names_round_trip) {
  for (auto m : {KeysMethod::kGet, KeysMethod::kHead, KeysMethod::kPut, KeysMethod::kPost,
                 KeysMethod::kDelete})
    BOOST_TEST((keys_method_from_string(keys_method_name(m)) == m));
  BOOST_TEST(!keys_method_from_string("PATCH").has_value());  // A28: 405 before parsing
  BOOST_TEST(!keys_method_from_string("get").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
