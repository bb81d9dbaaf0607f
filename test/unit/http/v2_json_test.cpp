#include "server/http/v2_json.hpp"

#include <algorithm>
#include <chrono>
#include <random>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "server/store/store.hpp"
#include "test/support/store/expected_nodes.hpp"
#include "test/support/thread/small_stack.hpp"

using namespace coord;
using namespace coord::http;
using store::Event;
using store::NodeExtern;

namespace {

using coord::test::deleted_node;
using coord::test::dir_node;
using coord::test::file_node;

Event event(std::string action, NodeExtern node, std::optional<NodeExtern> prev = std::nullopt) {
  Event e;
  e.action = std::move(action);
  e.node = std::move(node);
  e.prev_node = std::move(prev);
  return e;
}

std::string body(const Event& e) {
  std::string out;
  append_event_json(out, e);
  return out;
}

std::string error_body(int code, std::string cause, std::uint64_t index) {
  std::string out;
  append_error_json(out, store::V2Error{code, std::move(cause), index});
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(v2_json_keys)

BOOST_AUTO_TEST_CASE(event__empty_root_has_no_key_or_indexes) {
  NodeExtern root;
  root.dir = true;
  BOOST_TEST(body(event("get", root)) == "{\"action\":\"get\",\"node\":{\"dir\":true}}\n");
}

BOOST_AUTO_TEST_CASE(event__root_listing) {
  NodeExtern root;
  root.dir = true;
  root.nodes = {file_node("/hk", "x", 7, 7), dir_node("/dir1", 8, 8)};
  BOOST_TEST(body(event("get", root)) ==
             "{\"action\":\"get\",\"node\":{\"dir\":true,\"nodes\":[{\"key\":\"/hk\",\"value\":\"x\","
             "\"modifiedIndex\":7,\"createdIndex\":7},{\"key\":\"/dir1\",\"dir\":true,"
             "\"modifiedIndex\":8,\"createdIndex\":8}]}}\n");
}

BOOST_AUTO_TEST_CASE(event__set_new_and_replace_with_prev_node) {
  BOOST_TEST(body(event("set", file_node("/message", "Hello world", 4, 4))) ==
             "{\"action\":\"set\",\"node\":{\"key\":\"/message\",\"value\":\"Hello world\","
             "\"modifiedIndex\":4,\"createdIndex\":4}}\n");
  BOOST_TEST(body(event("set", file_node("/message", "Hello etcd", 5, 5), file_node("/message", "Hello world", 4, 4))) ==
             "{\"action\":\"set\",\"node\":{\"key\":\"/message\",\"value\":\"Hello etcd\","
             "\"modifiedIndex\":5,\"createdIndex\":5},\"prevNode\":{\"key\":\"/message\","
             "\"value\":\"Hello world\",\"modifiedIndex\":4,\"createdIndex\":4}}\n");
}

BOOST_AUTO_TEST_CASE(event__delete_node_has_no_value) {
  BOOST_TEST(body(event("delete", deleted_node("/message", 6, 5), file_node("/message", "Hello etcd", 5, 5))) ==
             "{\"action\":\"delete\",\"node\":{\"key\":\"/message\",\"modifiedIndex\":6,"
             "\"createdIndex\":5},\"prevNode\":{\"key\":\"/message\",\"value\":\"Hello etcd\","
             "\"modifiedIndex\":5,\"createdIndex\":5}}\n");
}

BOOST_AUTO_TEST_CASE(event__empty_value_is_still_written) {
  BOOST_TEST(body(event("set", file_node("/empty", "", 38, 38))) ==
             "{\"action\":\"set\",\"node\":{\"key\":\"/empty\",\"value\":\"\",\"modifiedIndex\":38,"
             "\"createdIndex\":38}}\n");
}

BOOST_AUTO_TEST_CASE(event__dir_listing_and_nested_recursive_listing) {
  NodeExtern d = dir_node("/dir1", 8, 8);
  d.nodes = {file_node("/dir1/a", "1", 9, 9), dir_node("/dir1/b", 10, 10)};
  BOOST_TEST(body(event("get", d)) ==
             "{\"action\":\"get\",\"node\":{\"key\":\"/dir1\",\"dir\":true,\"nodes\":[{\"key\":"
             "\"/dir1/a\",\"value\":\"1\",\"modifiedIndex\":9,\"createdIndex\":9},{\"key\":\"/dir1/b\","
             "\"dir\":true,\"modifiedIndex\":10,\"createdIndex\":10}],\"modifiedIndex\":8,"
             "\"createdIndex\":8}}\n");
  d.nodes[1].nodes = {file_node("/dir1/b/c", "2", 10, 10)};
  BOOST_TEST(body(event("get", d)) ==
             "{\"action\":\"get\",\"node\":{\"key\":\"/dir1\",\"dir\":true,\"nodes\":[{\"key\":"
             "\"/dir1/a\",\"value\":\"1\",\"modifiedIndex\":9,\"createdIndex\":9},{\"key\":\"/dir1/b\","
             "\"dir\":true,\"nodes\":[{\"key\":\"/dir1/b/c\",\"value\":\"2\",\"modifiedIndex\":10,"
             "\"createdIndex\":10}],\"modifiedIndex\":10,\"createdIndex\":10}],\"modifiedIndex\":8,"
             "\"createdIndex\":8}}\n");
}

BOOST_AUTO_TEST_CASE(event__ttl_node_with_expiration) {
  NodeExtern n = file_node("/t1", "bar", 43, 43);
  n.expiration = 1795294566629338216;
  n.ttl = 5;
  BOOST_TEST(body(event("set", n)) ==
             "{\"action\":\"set\",\"node\":{\"key\":\"/t1\",\"value\":\"bar\",\"expiration\":"
             "\"2026-11-21T20:56:06.629338216Z\",\"ttl\":5,\"modifiedIndex\":43,\"createdIndex\":43}}\n");
}

BOOST_AUTO_TEST_CASE(event__expire_of_a_file_and_of_a_dir) {
  NodeExtern prev = file_node("/exp1", "e", 58, 58);
  prev.expiration = 1795294568575776246;  // ttl 0 at expiry: left out
  BOOST_TEST(body(event("expire", deleted_node("/exp1", 59, 58), prev)) ==
             "{\"action\":\"expire\",\"node\":{\"key\":\"/exp1\",\"modifiedIndex\":59,"
             "\"createdIndex\":58},\"prevNode\":{\"key\":\"/exp1\",\"value\":\"e\",\"expiration\":"
             "\"2026-11-21T20:56:08.575776246Z\",\"modifiedIndex\":58,\"createdIndex\":58}}\n");
  NodeExtern dprev = dir_node("/edir", 61, 61);
  dprev.expiration = 1795294572591558330;
  BOOST_TEST(body(event("expire", dir_node("/edir", 63, 61), dprev)) ==
             "{\"action\":\"expire\",\"node\":{\"key\":\"/edir\",\"dir\":true,\"modifiedIndex\":63,"
             "\"createdIndex\":61},\"prevNode\":{\"key\":\"/edir\",\"dir\":true,\"expiration\":"
             "\"2026-11-21T20:56:12.59155833Z\",\"modifiedIndex\":61,\"createdIndex\":61}}\n");
}

BOOST_AUTO_TEST_CASE(event__escaped_value_a23) {
  BOOST_TEST(body(event("set", file_node("/esc", "<a&b> \"q\" \\ \xC3\xA9", 12, 12))) ==
             "{\"action\":\"set\",\"node\":{\"key\":\"/esc\",\"value\":\"\\u003ca\\u0026b\\u003e "
             "\\\"q\\\" \\\\ \xC3\xA9\",\"modifiedIndex\":12,\"createdIndex\":12}}\n");
}

BOOST_AUTO_TEST_CASE(event__negative_ttl_is_written_refresh_never) {
  NodeExtern n = file_node("/k", "v", 3, 3);
  n.expiration = 0;
  n.ttl = -1;
  Event e = event("update", n);
  e.refresh = true;
  BOOST_TEST(body(e) ==
             "{\"action\":\"update\",\"node\":{\"key\":\"/k\",\"value\":\"v\",\"expiration\":"
             "\"1970-01-01T00:00:00Z\",\"ttl\":-1,\"modifiedIndex\":3,\"createdIndex\":3}}\n");
}

BOOST_AUTO_TEST_CASE(event__stream_of_three_events_is_three_lines) {
  std::string out;
  append_event_json(out, event("set", file_node("/s/1", "1", 73, 73)));
  append_event_json(out, event("set", file_node("/s/2", "2", 74, 74)));
  append_event_json(out, event("delete", deleted_node("/s/1", 75, 73), file_node("/s/1", "1", 73, 73)));
  BOOST_TEST(out ==
             "{\"action\":\"set\",\"node\":{\"key\":\"/s/1\",\"value\":\"1\",\"modifiedIndex\":73,\"createdIndex\":73}}\n"
             "{\"action\":\"set\",\"node\":{\"key\":\"/s/2\",\"value\":\"2\",\"modifiedIndex\":74,\"createdIndex\":74}}\n"
             "{\"action\":\"delete\",\"node\":{\"key\":\"/s/1\",\"modifiedIndex\":75,\"createdIndex\":73},"
             "\"prevNode\":{\"key\":\"/s/1\",\"value\":\"1\",\"modifiedIndex\":73,\"createdIndex\":73}}\n");
}

BOOST_AUTO_TEST_CASE(event__v2_api_section5_write_answers) {
  struct Case {
    const char* name;
    Event event;
    std::string_view expected;
  };
  NodeExtern clear_prev = file_node("/t1", "bar2", 44, 44);
  clear_prev.expiration = 1795294571641128353;
  clear_prev.ttl = 10;
  NodeExtern refreshed = file_node("/t1", "bar4", 47, 46);
  refreshed.expiration = 1795294568660763873;
  refreshed.ttl = 7;
  NodeExtern refresh_prev = file_node("/t1", "bar4", 46, 46);
  refresh_prev.expiration = 1795294564656218986;
  refresh_prev.ttl = 3;
  NodeExtern zero = file_node("/t1", "zero", 51, 51);
  zero.expiration = 1795294561703462356;  // ttl 0: left out
  const Case cases[] = {
      {"POST /", event("create", file_node("/00000000000000000015", "1", 15, 15)),
       R"({"action":"create","node":{"key":"/00000000000000000015","value":"1","modifiedIndex":15,"createdIndex":15}})"},
      {"POST /queue dir=true", event("create", dir_node("/queue/00000000000000000027", 27, 27)),
       R"({"action":"create","node":{"key":"/queue/00000000000000000027","dir":true,"modifiedIndex":27,"createdIndex":27}})"},
      {"CAS", event("compareAndSwap", file_node("/foo", "two", 17, 16), file_node("/foo", "one", 16, 16)),
       R"({"action":"compareAndSwap","node":{"key":"/foo","value":"two","modifiedIndex":17,"createdIndex":16},"prevNode":{"key":"/foo","value":"one","modifiedIndex":16,"createdIndex":16}})"},
      {"update", event("update", file_node("/foo", "upd", 19, 18), file_node("/foo", "two0", 18, 18)),
       R"({"action":"update","node":{"key":"/foo","value":"upd","modifiedIndex":19,"createdIndex":18},"prevNode":{"key":"/foo","value":"two0","modifiedIndex":18,"createdIndex":18}})"},
      {"update dir", event("update", dir_node("/cdir", 24, 22), dir_node("/cdir", 22, 22)),
       R"({"action":"update","node":{"key":"/cdir","dir":true,"modifiedIndex":24,"createdIndex":22},"prevNode":{"key":"/cdir","dir":true,"modifiedIndex":22,"createdIndex":22}})"},
      {"CAD", event("compareAndDelete", deleted_node("/cad", 1187, 1186), file_node("/cad", "one", 1186, 1186)),
       R"({"action":"compareAndDelete","node":{"key":"/cad","modifiedIndex":1187,"createdIndex":1186},"prevNode":{"key":"/cad","value":"one","modifiedIndex":1186,"createdIndex":1186}})"},
      {"delete dir", event("delete", dir_node("/dir1", 14, 8), dir_node("/dir1", 8, 8)),
       R"({"action":"delete","node":{"key":"/dir1","dir":true,"modifiedIndex":14,"createdIndex":8},"prevNode":{"key":"/dir1","dir":true,"modifiedIndex":8,"createdIndex":8}})"},
      {"clear ttl", event("update", file_node("/t1", "bar3", 45, 44), clear_prev),
       R"({"action":"update","node":{"key":"/t1","value":"bar3","modifiedIndex":45,"createdIndex":44},"prevNode":{"key":"/t1","value":"bar2","expiration":"2026-11-21T20:56:11.641128353Z","ttl":10,"modifiedIndex":44,"createdIndex":44}})"},
      {"refresh", event("update", refreshed, refresh_prev),
       R"({"action":"update","node":{"key":"/t1","value":"bar4","expiration":"2026-11-21T20:56:08.660763873Z","ttl":7,"modifiedIndex":47,"createdIndex":46},"prevNode":{"key":"/t1","value":"bar4","expiration":"2026-11-21T20:56:04.656218986Z","ttl":3,"modifiedIndex":46,"createdIndex":46}})"},
      {"ttl=0", event("set", zero),
       R"({"action":"set","node":{"key":"/t1","value":"zero","expiration":"2026-11-21T20:56:01.703462356Z","modifiedIndex":51,"createdIndex":51}})"},
      {"hidden", event("get", file_node("/dir1/_hidden", "h", 11, 11)),
       R"({"action":"get","node":{"key":"/dir1/_hidden","value":"h","modifiedIndex":11,"createdIndex":11}})"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.name) { BOOST_TEST(body(c.event) == std::string(c.expected) + "\n"); }
  }
}

BOOST_AUTO_TEST_CASE(error__v2_api_section5_store_errors) {
  BOOST_TEST(error_body(100, "/a", 41) ==
             R"({"errorCode":100,"message":"Key not found","cause":"/a","index":41})" "\n");
  BOOST_TEST(error_body(104, "/dir1/a", 11) ==
             R"({"errorCode":104,"message":"Not a directory","cause":"/dir1/a","index":11})" "\n");
  BOOST_TEST(error_body(105, "/foo", 16) ==
             R"({"errorCode":105,"message":"Key already exists","cause":"/foo","index":16})" "\n");
  BOOST_TEST(error_body(101, "[two != one] [1 != 16]", 16) ==
             R"({"errorCode":101,"message":"Compare failed","cause":"[two != one] [1 != 16]","index":16})" "\n");
  BOOST_TEST(error_body(107, "/", 14) ==
             R"({"errorCode":107,"message":"Root is read only","cause":"/","index":14})" "\n");
  BOOST_TEST(error_body(108, "/dir1", 13) ==
             R"({"errorCode":108,"message":"Directory not empty","cause":"/dir1","index":13})" "\n");
}

BOOST_AUTO_TEST_CASE(action_only__no_value_on_success_body) {
  std::string out;
  append_action_only_json(out, "set");
  BOOST_TEST(out == "{\"action\":\"set\"}\n");
}

BOOST_AUTO_TEST_CASE(error__with_and_without_cause) {
  BOOST_TEST(error_body(100, "/message", 6) ==
             "{\"errorCode\":100,\"message\":\"Key not found\",\"cause\":\"/message\",\"index\":6}\n");
  BOOST_TEST(error_body(102, "", 15) == "{\"errorCode\":102,\"message\":\"Not a file\",\"index\":15}\n");
  BOOST_TEST(error_body(202, "invalid value for \"ttl\"", 0) ==
             "{\"errorCode\":202,\"message\":\"The given TTL in POST form is not a number\","
             "\"cause\":\"invalid value for \\\"ttl\\\"\",\"index\":0}\n");
  BOOST_TEST(error_body(210, "invalid URL escape \"%zz\"", 0) ==
             "{\"errorCode\":210,\"message\":\"Invalid POST form\",\"cause\":\"invalid URL escape "
             "\\\"%zz\\\"\",\"index\":0}\n");
  BOOST_TEST(error_body(401, "the requested history has been cleared [179/178]", 1178) ==
             "{\"errorCode\":401,\"message\":\"The event in requested index is outdated and cleared\","
             "\"cause\":\"the requested history has been cleared [179/178]\",\"index\":1178}\n");
  BOOST_TEST(error_body(300, "etcdserver: request timed out", 0) ==
             "{\"errorCode\":300,\"message\":\"Raft Internal Error\",\"cause\":\"etcdserver: request "
             "timed out\",\"index\":0}\n");
}

BOOST_AUTO_TEST_CASE(node_json__a_listing_deeper_than_the_call_stack_allows) {
  // 100,000 nested dirs with one file at the bottom, written on a 256 KiB stack: a recursive
  // writer would overflow it. The text must be exactly the nesting, in etcd's field order.
  constexpr int kLevels = 100000;
  std::string out;
  test::run_on_small_stack([&] {
    NodeExtern top = dir_node("/d", 1, 1);
    NodeExtern* n = &top;
    for (int i = 1; i < kLevels; ++i) {
      n->nodes.push_back(dir_node("/d", 1, 1));
      n = &n->nodes.back();
    }
    n->nodes.push_back(file_node("/f", "v", 2, 2));
    append_node_json(out, top);
  });
  std::string expected;
  for (int i = 0; i < kLevels; ++i) expected += "{\"key\":\"/d\",\"dir\":true,\"nodes\":[";
  expected += "{\"key\":\"/f\",\"value\":\"v\",\"modifiedIndex\":2,\"createdIndex\":2}";
  for (int i = 0; i < kLevels; ++i) expected += "],\"modifiedIndex\":1,\"createdIndex\":1}";
  BOOST_TEST(out.size() == expected.size());
  BOOST_TEST((out == expected));
}

BOOST_AUTO_TEST_CASE(get_json_writer__same_bytes_errors_and_stats_as_the_event_get_builds) {
  // Random trees (hidden names, escapes, UTF-8, empty dirs, ttls past and future), every
  // GET shape on every key, and missing keys: Store::get_into with a GetJsonWriter writes what
  // append_event_json writes for Store::get's event, with the same index, errors and stats.
  constexpr UnixNanos kNow = 1'790'000'000LL * kNanosPerSecond;
  const char* names[] = {"a", "b", "_h", "x<y", "\xC3\xA9", "c"};
  const std::string values[] = {"", "v", "<&> \"q\"", std::string(40, 'z'), "\xff", std::string(5000, 'w')};
  std::mt19937 rng(11);  // fixed seed: deterministic
  for (int round = 0; round < 40; ++round) {
    store::Store s;
    std::vector<std::string> keys = {"/", "/missing", "/a/missing"};
    for (int i = 0; i < 30; ++i) {
      std::string key;
      const int depth = 1 + static_cast<int>(rng() % 3);
      for (int d = 0; d < depth; ++d) key += std::string("/") + names[rng() % std::size(names)];
      const bool dir = rng() % 5 == 0;
      std::optional<UnixNanos> exp;
      if (rng() % 4 == 0) exp = kNow + (static_cast<UnixNanos>(rng() % 7) - 2) * kNanosPerSecond / 2;
      if (s.set(key, dir, dir ? "" : values[rng() % std::size(values)], exp, kNow).ok()) keys.push_back(key);
    }
    for (const std::string& key : keys) {
      for (int shape = 0; shape < 4; ++shape) {
        const bool recursive = shape & 1, sorted = shape & 2;
        const store::StoreStats before = s.stats();
        const auto want = s.get(key, recursive, sorted, kNow);
        const store::StoreStats mid = s.stats();
        std::string got;
        GetJsonWriter writer(got);
        const auto index = s.get_into(key, recursive, sorted, kNow, writer);
        const store::StoreStats after = s.stats();
        BOOST_TEST_CONTEXT("round " << round << " key " << key << " shape " << shape) {
          BOOST_TEST(mid.gets_success - before.gets_success == after.gets_success - mid.gets_success);
          BOOST_TEST(mid.gets_fail - before.gets_fail == after.gets_fail - mid.gets_fail);
          BOOST_REQUIRE(want.ok() == index.ok());
          if (!want.ok()) {
            BOOST_TEST(got.empty());
            BOOST_TEST(index.error().code == want.error().code);
            BOOST_TEST(index.error().cause == want.error().cause);
            BOOST_TEST(index.error().index == want.error().index);
            continue;
          }
          writer.finish();
          std::string expected;
          append_event_json(expected, want.value());
          BOOST_TEST(got == expected);
          BOOST_TEST(index.value() == want.value().etcd_index);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(get_json_writer__a_large_value_and_a_wide_dir) {
  constexpr UnixNanos kNow = 1'790'000'000LL * kNanosPerSecond;
  store::Store s;
  const std::string big(1 << 20, 'v');
  BOOST_REQUIRE(s.set("/big", false, big, std::nullopt, kNow).ok());
  for (int i = 0; i < 2000; ++i) BOOST_REQUIRE(s.set("/dir/k" + std::to_string(i), false, "x", std::nullopt, kNow).ok());
  for (const char* key : {"/big", "/dir", "/"}) {
    std::string got;
    GetJsonWriter writer(got);
    BOOST_REQUIRE(s.get_into(key, true, true, kNow, writer).ok());
    writer.finish();
    std::string expected;
    append_event_json(expected, s.get(key, true, true, kNow).value());
    BOOST_TEST(got.size() == expected.size());
    BOOST_TEST((got == expected));
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(v2_json_other_endpoints)

BOOST_AUTO_TEST_CASE(members__list_sorted_by_numeric_id_with_empty_arrays) {
  std::vector<MemberView> members = {
      {0x2e1259d415f2a040ULL, "default", {"http://127.0.0.1:23800"}, {"http://127.0.0.1:23790"}},
      {0x0bac5726c3570298ULL, "", {"http://127.0.0.1:23801"}, {}},
  };
  std::string out;
  append_members_json(out, members);
  BOOST_TEST(out ==
             "{\"members\":[{\"id\":\"bac5726c3570298\",\"name\":\"\",\"peerURLs\":[\"http://127.0.0.1:23801\"],"
             "\"clientURLs\":[]},{\"id\":\"2e1259d415f2a040\",\"name\":\"default\",\"peerURLs\":"
             "[\"http://127.0.0.1:23800\"],\"clientURLs\":[\"http://127.0.0.1:23790\"]}]}\n");
  std::string empty;
  append_members_json(empty, {});
  BOOST_TEST(empty == "{\"members\":[]}\n");
}

BOOST_AUTO_TEST_CASE(members__one_member_object_for_post_and_leader) {
  std::string out;
  append_member_json(out, {0x0bac5726c3570298ULL, "", {"http://127.0.0.1:23801"}, {}});
  BOOST_TEST(out ==
             "{\"id\":\"bac5726c3570298\",\"name\":\"\",\"peerURLs\":[\"http://127.0.0.1:23801\"],"
             "\"clientURLs\":[]}\n");
}

BOOST_AUTO_TEST_CASE(machines__sorted_client_urls_joined) {
  std::vector<MemberView> members = {
      {2, "b", {}, {"http://127.0.0.1:23791"}},
      {1, "a", {}, {"http://127.0.0.1:23790"}},
      {3, "c", {}, {}},
  };
  std::string out;
  append_machines_text(out, members);
  BOOST_TEST(out == "http://127.0.0.1:23790, http://127.0.0.1:23791");
}

BOOST_AUTO_TEST_CASE(message__error_bodies_have_no_newline) {
  std::string out;
  append_message_json(out, "No such member: 1234");
  BOOST_TEST(out == "{\"message\":\"No such member: 1234\"}");
}

BOOST_AUTO_TEST_CASE(version_and_health) {
  std::string v;
  append_version_json(v, kServerVersion, kClusterVersion);
  BOOST_TEST(v == "{\"etcdserver\":\"3.4.23\",\"etcdcluster\":\"3.4.0\"}");
  std::string up, down;
  append_health_json(up, true);
  append_health_json(down, false);
  BOOST_TEST(up == "{\"health\":\"true\"}");
  BOOST_TEST(up.size() == 17u);  // the real Content-Length
  BOOST_TEST(down == "{\"health\":\"false\"}\n");
}

BOOST_AUTO_TEST_CASE(stats__store_fields_in_etcd_order) {
  store::StoreStats s{27, 1275, 1142, 5, 6, 2, 12, 1, 12, 6, 5, 10, 2, 0, 5, 0};
  std::string out;
  append_store_stats_json(out, s);
  BOOST_TEST(out ==
             "{\"getsSuccess\":27,\"getsFail\":1275,\"setsSuccess\":1142,\"setsFail\":5,\"deleteSuccess\":6,"
             "\"deleteFail\":2,\"updateSuccess\":12,\"updateFail\":1,\"createSuccess\":12,\"createFail\":6,"
             "\"compareAndSwapSuccess\":5,\"compareAndSwapFail\":10,\"compareAndDeleteSuccess\":2,"
             "\"compareAndDeleteFail\":0,\"expireCount\":5,\"watchers\":0}");
}

BOOST_AUTO_TEST_CASE(stats__self_on_the_leader) {
  SelfStatsView s;
  s.name = "default";
  s.id = 0x2e1259d415f2a040ULL;
  s.state = "StateLeader";
  s.start_time = 1795293885300062888;
  s.leader_id = s.id;
  s.leader_start_time = 1795293886200974611;
  std::string out;
  append_self_stats_json(out, s, s.leader_start_time + 741'700'154'637);
  BOOST_TEST(out ==
             "{\"name\":\"default\",\"id\":\"2e1259d415f2a040\",\"state\":\"StateLeader\",\"startTime\":"
             "\"2026-11-21T20:44:45.300062888Z\",\"leaderInfo\":{\"leader\":\"2e1259d415f2a040\","
             "\"uptime\":\"12m21.700154637s\",\"startTime\":\"2026-11-21T20:44:46.200974611Z\"},"
             "\"recvAppendRequestCnt\":0,\"sendAppendRequestCnt\":0}");
}

BOOST_AUTO_TEST_CASE(stats__self_rates_appear_only_when_nonzero) {
  SelfStatsView s;
  s.name = "n2";
  s.id = 2;
  s.leader_id = 1;
  s.recv_append_request_count = 19;
  s.recv_pkg_rate = 2.5;
  s.recv_bandwidth_rate = 512;
  std::string out;
  append_self_stats_json(out, s, 0);
  BOOST_TEST(out ==
             "{\"name\":\"n2\",\"id\":\"2\",\"state\":\"StateFollower\",\"startTime\":\"1970-01-01T00:00:00Z\","
             "\"leaderInfo\":{\"leader\":\"1\",\"uptime\":\"0s\",\"startTime\":\"1970-01-01T00:00:00Z\"},"
             "\"recvAppendRequestCnt\":19,\"recvPkgRate\":2.5,\"recvBandwidthRate\":512,"
             "\"sendAppendRequestCnt\":0}");
}

BOOST_AUTO_TEST_CASE(stats__leader_with_and_without_followers) {
  std::string none;
  append_leader_stats_json(none, 0x2e1259d415f2a040ULL, {});
  BOOST_TEST(none == "{\"leader\":\"2e1259d415f2a040\",\"followers\":{}}");
  coord::node::PeerActivity f;
  f.id = 0x0bac5726c3570298ULL;
  f.latency_current = 0.00016;
  f.latency_min = 0.00007;
  f.latency_max = 0.165281;
  f.success = 2;
  f.fail = 3;
  f.latency_sum = 1.0;     // sends of 0 ms and 1 ms: average 0.5,
  f.latency_sq_sum = 1.0;  // variance 1/2 - 1/4, standard deviation 0.5
  std::string one;
  append_leader_stats_json(one, 0x2e1259d415f2a040ULL, {f});
  BOOST_TEST(one ==
             "{\"leader\":\"2e1259d415f2a040\",\"followers\":{\"bac5726c3570298\":{\"latency\":"
             "{\"current\":0.00016,\"average\":0.5,\"standardDeviation\":0.5,\"minimum\":0.00007,"
             "\"maximum\":0.165281},\"counts\":{\"fail\":3,\"success\":2}}}}");
  // Before the first successful send there is no average to take.
  coord::node::PeerActivity fresh;
  fresh.id = 1;
  fresh.fail = 1;
  std::string zero;
  append_leader_stats_json(zero, 2, {fresh});
  BOOST_TEST(zero.find("\"average\":0,\"standardDeviation\":0") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(stats__leader_followers_ordered_as_go_map_keys) {
  coord::node::PeerActivity a, b;
  a.id = 0xa;   // "a"
  b.id = 0x10;  // "10" sorts before "a" as a string
  std::string out;
  append_leader_stats_json(out, 1, {a, b});
  BOOST_TEST(out.find("\"10\":") < out.find("\"a\":"));
}

BOOST_AUTO_TEST_SUITE_END()
