// The store image format (server/store/store.hpp), pinned by committed images
// (test/unit/store/golden/): store_v2_auth.img, version 2, saved by this code base, and
// store_v1.img, the same store without auth in the version 1 layout (no auth section) that
// stores saved before auth existed. Both hold: member 0x10 "m1" (peer http://127.0.0.1:2380,
// client http://127.0.0.1:2379), cluster version 3.4.0, /dir/file = "hello", /ttl = "expiring"
// (expiring an hour after the time it was set), the empty dir /empty_dir; version 2 adds role
// "reader" (read /dir/*) and user "alice" (role reader), auth disabled. Today's recover() must
// read both with those contents, and save() must write version 2 byte for byte.
#include <boost/test/unit_test.hpp>

#include "server/store/store.hpp"
#include "test/support/file/golden_file.hpp"

using namespace coord;
using namespace coord::store;

namespace {

constexpr UnixNanos kSetAt = 1'790'000'000LL * kNanosPerSecond;  // when the keys were written

// What both images hold outside auth.
void check_common_contents(const Store& s) {
  BOOST_TEST(s.check_invariants().is_ok());
  BOOST_TEST(s.cluster_version() == "3.4.0");
  const auto members = s.members();
  BOOST_REQUIRE(members.size() == 1u);
  BOOST_TEST(members[0].id == 0x10u);
  BOOST_TEST(members[0].name == "m1");
  BOOST_TEST((members[0].peer_urls == std::vector<std::string>{"http://127.0.0.1:2380"}));
  BOOST_TEST((members[0].client_urls == std::vector<std::string>{"http://127.0.0.1:2379"}));

  auto file = s.get("/dir/file", false, false, kSetAt);
  BOOST_REQUIRE(file.ok());
  BOOST_TEST(*file.value().node.value == "hello");
  auto ttl = s.get("/ttl", false, false, kSetAt);
  BOOST_REQUIRE(ttl.ok());
  BOOST_TEST(*ttl.value().node.value == "expiring");
  BOOST_REQUIRE(ttl.value().node.expiration.has_value());
  BOOST_TEST(*ttl.value().node.expiration == kSetAt + 3600 * kNanosPerSecond);
  auto dir = s.get("/empty_dir", false, false, kSetAt);
  BOOST_REQUIRE(dir.ok());
  BOOST_TEST(dir.value().node.dir);
  BOOST_TEST(dir.value().node.nodes.empty());
  auto root = s.get("/", false, true, kSetAt);
  BOOST_REQUIRE(root.ok());
  std::vector<std::string> keys;
  for (const auto& n : root.value().node.nodes) keys.push_back(n.key);
  BOOST_TEST((keys == std::vector<std::string>{"/dir", "/empty_dir", "/ttl"}));
  BOOST_TEST(file.value().node.created_index < ttl.value().node.created_index);
  BOOST_TEST(ttl.value().node.created_index < dir.value().node.created_index);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store_golden)

BOOST_AUTO_TEST_CASE(version_2_image__recovers_with_its_known_contents_and_saves_the_same_bytes) {
  const std::string image = test::read_golden("test/unit/store/golden/store_v2_auth.img");
  Store s;
  BOOST_REQUIRE(s.recover(image).is_ok());
  BOOST_TEST(s.save() == image);  // before the reads below, which count in the stats
  check_common_contents(s);
  BOOST_TEST(!s.auth().enabled());
  BOOST_TEST((s.auth().user_names() == std::vector<std::string>{"alice"}));
  const auto alice = s.auth().user("alice");
  BOOST_REQUIRE(alice.has_value());
  BOOST_TEST(alice->password_hash == "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy");
  BOOST_TEST((alice->roles == auth::Names{std::vector<std::string>{"reader"}}));
  const auto reader = s.auth().role("reader");
  BOOST_REQUIRE(reader.has_value());
  BOOST_TEST((reader->permissions.read == auth::Names{std::vector<std::string>{"/dir/*"}}));
  BOOST_TEST(s.index() == 11u);  // member, cluster version, three keys, six auth writes
}

BOOST_AUTO_TEST_CASE(version_1_image__recovers_with_its_known_contents_and_empty_auth) {
  const std::string v1 = test::read_golden("test/unit/store/golden/store_v1.img");
  Store s;
  BOOST_REQUIRE(s.recover(v1).is_ok());
  const std::string saved = s.save();
  check_common_contents(s);
  BOOST_TEST(!s.auth().enabled());
  BOOST_TEST(s.auth().user_names().empty());
  BOOST_TEST(s.auth().users().empty());
  BOOST_TEST(s.auth().roles().empty());
  // Saved again, it is version 2: the version byte, and an empty auth section (3 bytes) more.
  BOOST_TEST(static_cast<int>(saved[4]) == static_cast<int>(kSnapshotVersion));
  BOOST_TEST(saved.size() == v1.size() + 3);
  BOOST_TEST(s.index() == 5u);  // member, cluster version, three keys
}

BOOST_AUTO_TEST_SUITE_END()
