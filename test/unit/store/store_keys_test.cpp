// The keys operations of Store against the rows of etcd 3.4's v2 API, with exact event
// and error contents.
#include <boost/test/unit_test.hpp>

#include <string>

#include "server/store/store.hpp"
#include "test/support/store/expected_nodes.hpp"

using namespace coord;
using namespace coord::store;

namespace {

using coord::test::dir_node;
using coord::test::file_node;

constexpr UnixNanos kNow = 1'790'000'000LL * kNanosPerSecond;

NodeExtern gone(std::string key, std::uint64_t mi, std::uint64_t ci, bool is_dir = false) {
  NodeExtern n = dir_node(std::move(key), mi, ci);
  n.dir = is_dir;
  return n;
}

bool same_node(const NodeExtern& a, const NodeExtern& b) {
  if (a.key != b.key || a.value != b.value || a.dir != b.dir || a.expiration != b.expiration ||
      a.ttl != b.ttl || a.modified_index != b.modified_index || a.created_index != b.created_index ||
      a.nodes.size() != b.nodes.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.nodes.size(); ++i) {
    if (!same_node(a.nodes[i], b.nodes[i])) return false;
  }
  return true;
}

void expect_event(const V2Result<Event>& r, const std::string& action, const NodeExtern& node,
                  std::optional<NodeExtern> prev, std::uint64_t etcd_index) {
  BOOST_REQUIRE_MESSAGE(r.ok(), "expected an event, got error " << (r.ok() ? 0 : r.error().code));
  const Event& e = r.value();
  BOOST_TEST(e.action == action);
  BOOST_TEST(same_node(e.node, node));
  BOOST_TEST(e.prev_node.has_value() == prev.has_value());
  if (prev && e.prev_node) BOOST_TEST(same_node(*e.prev_node, *prev));
  BOOST_TEST(e.etcd_index == etcd_index);
}

void expect_error(const V2Result<Event>& r, int code, const std::string& cause, std::uint64_t index) {
  BOOST_REQUIRE_MESSAGE(!r.ok(), "expected error " << code);
  BOOST_TEST(r.error().code == code);
  BOOST_TEST(r.error().cause == cause);
  BOOST_TEST(r.error().index == index);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store_keys)

BOOST_AUTO_TEST_CASE(set__new_key_is_created_then_replaced_with_new_created_index) {
  Store s;
  expect_event(s.set("/message", false, "Hello world", std::nullopt, kNow), "set",
               file_node("/message", "Hello world", 1, 1), std::nullopt, 1);
  BOOST_TEST(s.set("/x", false, "1", std::nullopt, kNow).value().is_created());
  auto r = s.set("/message", false, "Hello etcd", std::nullopt, kNow);
  expect_event(r, "set", file_node("/message", "Hello etcd", 3, 3), file_node("/message", "Hello world", 1, 1), 3);
  BOOST_TEST(!r.value().is_created());
  BOOST_TEST(s.index() == 3u);
}

BOOST_AUTO_TEST_CASE(get__missing_key_names_the_first_missing_part) {
  Store s;
  s.set("/x", false, "1", std::nullopt, kNow);
  expect_error(s.get("/a/b", false, false, kNow), kEcodeKeyNotFound, "/a", 1);
  expect_error(s.get("/x/y", false, false, kNow), kEcodeNotDir, "/x", 1);
}

BOOST_AUTO_TEST_CASE(get__dir_lists_one_level_without_hidden_children) {
  Store s;
  s.set("/dir1", true, "", std::nullopt, kNow);           // 1
  s.set("/dir1/a", false, "1", std::nullopt, kNow);       // 2
  s.set("/dir1/b/c", false, "2", std::nullopt, kNow);     // 3
  s.set("/dir1/_hidden", false, "h", std::nullopt, kNow); // 4
  NodeExtern want = dir_node("/dir1", 1, 1);
  want.nodes = {file_node("/dir1/a", "1", 2, 2), dir_node("/dir1/b", 3, 3)};
  expect_event(s.get("/dir1", false, true, kNow), "get", want, std::nullopt, 4);
  want.nodes[1].nodes = {file_node("/dir1/b/c", "2", 3, 3)};
  expect_event(s.get("/dir1", true, true, kNow), "get", want, std::nullopt, 4);
  expect_event(s.get("/dir1/_hidden", false, false, kNow), "get", file_node("/dir1/_hidden", "h", 4, 4),
               std::nullopt, 4);
}

BOOST_AUTO_TEST_CASE(get__sorted_orders_by_key_bytes_at_every_level) {
  Store s;
  for (const char* k : {"/d/b", "/d/a-x", "/d/a", "/d/\xC3\xA9", "/d/B"}) s.set(k, false, "v", std::nullopt, kNow);
  auto r = s.get("/d", false, true, kNow);
  BOOST_REQUIRE(r.ok());
  std::vector<std::string> keys;
  for (const auto& n : r.value().node.nodes) keys.push_back(n.key);
  std::vector<std::string> want = {"/d/B", "/d/a", "/d/a-x", "/d/b", "/d/\xC3\xA9"};
  BOOST_TEST(keys == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(get__dir_with_only_hidden_children_has_no_nodes) {
  Store s;
  s.set("/hd/_h/x", false, "1", std::nullopt, kNow);
  expect_event(s.get("/hd", true, false, kNow), "get", dir_node("/hd", 1, 1), std::nullopt, 1);
}

BOOST_AUTO_TEST_CASE(set__under_a_file_fails_with_not_a_directory) {
  Store s;
  s.set("/dir/a", false, "1", std::nullopt, kNow);
  expect_error(s.set("/dir/a/x", false, "1", std::nullopt, kNow), kEcodeNotDir, "/dir/a", 1);
  expect_error(s.create("/dir/a/x", false, "1", false, std::nullopt, kNow), kEcodeNotDir, "/dir/a", 1);
  expect_error(s.create("/dir/a", false, "1", true, std::nullopt, kNow), kEcodeNotDir, "/dir/a", 1);
  BOOST_TEST(s.index() == 1u);
}

BOOST_AUTO_TEST_CASE(set__on_a_dir_fails_and_dir_true_on_a_file_replaces_it) {
  Store s;
  s.set("/dir", true, "", std::nullopt, kNow);
  expect_error(s.set("/dir", true, "", std::nullopt, kNow), kEcodeNotFile, "/dir", 1);
  expect_error(s.set("/dir", false, "1", std::nullopt, kNow), kEcodeNotFile, "/dir", 1);
  s.set("/dir/a", false, "1", std::nullopt, kNow);  // 2
  expect_event(s.set("/dir/a", true, "", std::nullopt, kNow), "set", dir_node("/dir/a", 3, 3),
               file_node("/dir/a", "1", 2, 2), 3);
  expect_event(s.set("/dvx", true, "ignored", std::nullopt, kNow), "set", dir_node("/dvx", 4, 4), std::nullopt, 4);
}

BOOST_AUTO_TEST_CASE(set__implicit_parents_take_the_index_of_the_write) {
  Store s;
  s.set("/x", false, "", std::nullopt, kNow);
  s.set("/p/q/r", false, "v", std::nullopt, kNow);
  expect_event(s.get("/p", false, false, kNow), "get",
               [] { auto d = dir_node("/p", 2, 2); d.nodes = {dir_node("/p/q", 2, 2)}; return d; }(), std::nullopt, 2);
}

BOOST_AUTO_TEST_CASE(writes_on_root__fail_read_only_except_cad_and_post) {
  Store s;
  expect_error(s.set("/", false, "1", std::nullopt, kNow), kEcodeRootROnly, "/", 0);
  expect_error(s.remove("/", true, true, kNow), kEcodeRootROnly, "/", 0);
  expect_error(s.update("/", "1", std::nullopt, false, kNow), kEcodeRootROnly, "/", 0);
  expect_error(s.compare_and_swap("/", "x", 0, "1", std::nullopt, false, kNow), kEcodeRootROnly, "/", 0);
  expect_error(s.create("/", true, "", false, std::nullopt, kNow), kEcodeRootROnly, "/", 0);
  expect_error(s.compare_and_delete("/", "x", 0, kNow), kEcodeNotFile, "", 0);
  expect_event(s.create("/", false, "r", true, std::nullopt, kNow), "create",
               file_node("/00000000000000000001", "r", 1, 1), std::nullopt, 1);
}

BOOST_AUTO_TEST_CASE(create__in_order_names_are_the_zero_padded_new_index) {
  Store s;
  expect_event(s.create("/queue", false, "Job1", true, std::nullopt, kNow), "create",
               file_node("/queue/00000000000000000001", "Job1", 1, 1), std::nullopt, 1);
  expect_event(s.create("/queue", true, "", true, std::nullopt, kNow), "create",
               dir_node("/queue/00000000000000000002", 2, 2), std::nullopt, 2);
  expect_error(s.create("/queue", false, "x", false, std::nullopt, kNow), kEcodeNodeExist, "/queue", 2);
  expect_event(s.create("/q3/a/b", false, "x", true, std::nullopt, kNow), "create",
               file_node("/q3/a/b/00000000000000000003", "x", 3, 3), std::nullopt, 3);
  expect_event(s.get("/q3/a", false, false, kNow), "get",
               [] { auto d = dir_node("/q3/a", 3, 3); d.nodes = {dir_node("/q3/a/b", 3, 3)}; return d; }(), std::nullopt, 3);
}

BOOST_AUTO_TEST_CASE(update__keeps_created_index_and_needs_an_existing_node) {
  Store s;
  s.set("/foo", false, "five", std::nullopt, kNow);  // 1
  expect_event(s.update("/foo", "six", std::nullopt, false, kNow), "update", file_node("/foo", "six", 2, 1),
               file_node("/foo", "five", 1, 1), 2);
  expect_error(s.update("/nokey", "x", std::nullopt, false, kNow), kEcodeKeyNotFound, "/nokey", 2);
}

BOOST_AUTO_TEST_CASE(update__dir_with_value_fails_and_without_value_reports_a_new_index_it_does_not_store) {
  Store s;
  s.set("/cdir", true, "", std::nullopt, kNow);  // 1
  expect_error(s.update("/cdir", "y", std::nullopt, false, kNow), kEcodeNotFile, "/cdir", 1);
  expect_event(s.update("/cdir", "", std::nullopt, false, kNow), "update", dir_node("/cdir", 2, 1), dir_node("/cdir", 1, 1), 2);
  expect_event(s.get("/cdir", false, false, kNow), "get", dir_node("/cdir", 1, 1), std::nullopt, 2);
}

BOOST_AUTO_TEST_CASE(compare_and_swap__mismatch_causes_name_value_then_index) {
  Store s;
  s.set("/foo", false, "one", std::nullopt, kNow);  // 1
  expect_error(s.compare_and_swap("/foo", "two", 0, "x", std::nullopt, false, kNow), kEcodeTestFailed,
               "[two != one]", 1);
  expect_error(s.compare_and_swap("/foo", std::nullopt, 987654321, "x", std::nullopt, false, kNow),
               kEcodeTestFailed, "[987654321 != 1]", 1);
  expect_error(s.compare_and_swap("/foo", "two", 987654321, "x", std::nullopt, false, kNow), kEcodeTestFailed,
               "[two != one] [987654321 != 1]", 1);
  expect_error(s.compare_and_swap("/foo", "one", 987654321, "x", std::nullopt, false, kNow), kEcodeTestFailed,
               "[987654321 != 1]", 1);
  BOOST_TEST(s.index() == 1u);
}

BOOST_AUTO_TEST_CASE(compare_and_swap__success_keeps_created_index) {
  Store s;
  s.set("/foo", false, "one", std::nullopt, kNow);  // 1
  expect_event(s.compare_and_swap("/foo", "one", 0, "two", std::nullopt, false, kNow), "compareAndSwap",
               file_node("/foo", "two", 2, 1), file_node("/foo", "one", 1, 1), 2);
  expect_event(s.compare_and_swap("/foo", std::nullopt, 2, "three", std::nullopt, false, kNow), "compareAndSwap",
               file_node("/foo", "three", 3, 1), file_node("/foo", "two", 2, 1), 3);
  expect_event(s.compare_and_swap("/foo", "three", 3, "four", std::nullopt, false, kNow), "compareAndSwap",
               file_node("/foo", "four", 4, 1), file_node("/foo", "three", 3, 1), 4);
}

BOOST_AUTO_TEST_CASE(compare_and_swap__missing_key_and_dir_fail) {
  Store s;
  s.set("/cdir", true, "", std::nullopt, kNow);
  expect_error(s.compare_and_swap("/nokey", "x", 0, "x", std::nullopt, false, kNow), kEcodeKeyNotFound, "/nokey", 1);
  expect_error(s.compare_and_swap("/nokey", std::nullopt, 5, "x", std::nullopt, false, kNow), kEcodeKeyNotFound,
               "/nokey", 1);
  expect_error(s.compare_and_swap("/cdir", "x", 0, "y", std::nullopt, false, kNow), kEcodeNotFile, "/cdir", 1);
  expect_error(s.compare_and_swap("/cdir", std::nullopt, 1, "y", std::nullopt, false, kNow), kEcodeNotFile, "/cdir", 1);
}

BOOST_AUTO_TEST_CASE(remove__file_event_has_no_value_and_prev_has_it) {
  Store s;
  s.set("/message", false, "Hello etcd", std::nullopt, kNow);  // 1
  expect_event(s.remove("/message", false, false, kNow), "delete", gone("/message", 2, 1),
               file_node("/message", "Hello etcd", 1, 1), 2);
  expect_error(s.remove("/message", false, false, kNow), kEcodeKeyNotFound, "/message", 2);
}

BOOST_AUTO_TEST_CASE(remove__dir_needs_dir_flag_and_recursive_when_not_empty) {
  Store s;
  s.set("/dir", true, "", std::nullopt, kNow);           // 1
  s.set("/dir/_hidden", false, "h", std::nullopt, kNow); // 2: hidden children still count
  expect_error(s.remove("/dir", false, false, kNow), kEcodeNotFile, "/dir", 2);
  expect_error(s.remove("/dir", true, false, kNow), kEcodeDirNotEmpty, "/dir", 2);
  expect_event(s.remove("/dir", false, true, kNow), "delete", gone("/dir", 3, 1, true), dir_node("/dir", 1, 1), 3);
  expect_error(s.get("/dir/_hidden", false, false, kNow), kEcodeKeyNotFound, "/dir", 3);
  s.set("/empty", true, "", std::nullopt, kNow);  // 4
  expect_event(s.remove("/empty", true, false, kNow), "delete", gone("/empty", 5, 4, true), dir_node("/empty", 4, 4), 5);
  s.set("/f", false, "", std::nullopt, kNow);  // 6
  expect_event(s.remove("/f", true, true, kNow), "delete", gone("/f", 7, 6), file_node("/f", "", 6, 6), 7);
  BOOST_TEST(s.node_count() == 0u);
}

BOOST_AUTO_TEST_CASE(compare_and_delete__compares_then_deletes_files_only) {
  Store s;
  s.set("/cad", false, "one", std::nullopt, kNow);  // 1
  s.set("/cdir", true, "", std::nullopt, kNow);     // 2
  expect_error(s.compare_and_delete("/cad", "two", 0, kNow), kEcodeTestFailed, "[two != one]", 2);
  expect_error(s.compare_and_delete("/cad", std::nullopt, 7, kNow), kEcodeTestFailed, "[7 != 1]", 2);
  expect_error(s.compare_and_delete("/cdir", std::nullopt, 1, kNow), kEcodeNotFile, "/cdir", 2);
  expect_event(s.compare_and_delete("/cad", "one", 0, kNow), "compareAndDelete", gone("/cad", 3, 1),
               file_node("/cad", "one", 1, 1), 3);
  expect_error(s.compare_and_delete("/cad", "one", 0, kNow), kEcodeKeyNotFound, "/cad", 3);
}

BOOST_AUTO_TEST_CASE(keys__are_cleaned_like_go_path_clean) {
  Store s;
  s.set("/trail/", false, "t", std::nullopt, kNow);
  BOOST_TEST(s.get("//trail", false, false, kNow).value().node.key == "/trail");
  BOOST_TEST(s.get("/x/../trail/.", false, false, kNow).value().node.key == "/trail");
  BOOST_TEST(s.get("", false, false, kNow).value().node.dir);
}

BOOST_AUTO_TEST_CASE(writes__answer_with_the_event_the_watchers_get_not_a_copy) {
  Store s;
  EventPtr seen;
  BOOST_REQUIRE(s.watch("/k", false, false, 0, [&](const EventPtr& e) { seen = e; return false; }).ok());
  const EventResult r = s.set("/k", false, "v", std::nullopt, kNow);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(seen.get() == r.shared().get());
  BOOST_TEST(&r.value() == seen.get());
  // Converted to a V2Result<Event> (as older callers take it), it is an equal copy.
  const V2Result<Event> copy = r;
  BOOST_TEST(same_node(copy.value().node, r.value().node));
  const EventResult bad = s.update("/missing", "v", std::nullopt, false, kNow);
  BOOST_TEST(!bad.ok());
  BOOST_TEST(bad.error().code == kEcodeKeyNotFound);
}

BOOST_AUTO_TEST_CASE(writes__replaced_value_moves_to_prev_node_and_the_node_keeps_the_new_one) {
  // Large values (no small-string storage): the old one moves into prevNode, the new one is in
  // the store and the event; a refresh keeps the value in both.
  const std::string a(100'000, 'a'), b(100'000, 'b'), c(100'000, 'c'), d(100'000, 'd');
  Store s;
  BOOST_REQUIRE(s.set("/k", false, a, std::nullopt, kNow).ok());
  auto r = s.set("/k", false, b, std::nullopt, kNow);
  expect_event(r, "set", file_node("/k", b, 2, 2), file_node("/k", a, 1, 1), 2);
  r = s.update("/k", c, std::nullopt, false, kNow);
  expect_event(r, "update", file_node("/k", c, 3, 2), file_node("/k", b, 2, 2), 3);
  r = s.compare_and_swap("/k", c, 0, d, std::nullopt, false, kNow);
  expect_event(r, "compareAndSwap", file_node("/k", d, 4, 2), file_node("/k", c, 3, 2), 4);
  r = s.set("/k", false, "", kNow + kNanosPerSecond * 100, kNow, false);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(*r.value().prev_node->value == d);
  // Refreshes keep the value: in the node, the event and prevNode.
  BOOST_REQUIRE(s.set("/k", false, a, std::nullopt, kNow).ok());
  r = s.set("/k", false, "", kNow + kNanosPerSecond * 100, kNow, true);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(*r.value().node.value == a);
  BOOST_TEST(*r.value().prev_node->value == a);
  r = s.update("/k", "", kNow + kNanosPerSecond * 100, true, kNow);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(*r.value().node.value == a);
  BOOST_TEST(*r.value().prev_node->value == a);
  r = s.compare_and_swap("/k", a, 0, "", kNow + kNanosPerSecond * 100, true, kNow);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(*r.value().node.value == a);
  BOOST_TEST(*r.value().prev_node->value == a);
  BOOST_TEST(*s.get("/k", false, false, kNow).value().node.value == a);
  // Deletes hand the removed value to prevNode.
  r = s.compare_and_delete("/k", a, 0, kNow);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(*r.value().prev_node->value == a);
  BOOST_REQUIRE(s.set("/k", false, b, std::nullopt, kNow).ok());
  r = s.remove("/k", false, false, kNow);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(*r.value().prev_node->value == b);
  BOOST_TEST(s.check_invariants().is_ok());
}

BOOST_AUTO_TEST_SUITE_END()
