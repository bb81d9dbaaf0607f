// Very deep keys: a write may not create a key deeper than kMaxKeyDepth (209, nothing changes),
// and a tree that already holds deeper keys — recovered from a data dir or a peer's snapshot —
// is listed, watched, expired, deleted, saved and recovered without any walk recursing: each
// of those runs on a thread with a 256 KiB stack, which a recursive walk over thousands of
// levels overflows.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "server/common/coding.hpp"
#include "server/store/store.hpp"
#include "test/support/thread/small_stack.hpp"

using namespace coord;
using namespace coord::store;

namespace {

constexpr UnixNanos kNow = 1'790'000'000LL * kNanosPerSecond;
constexpr UnixNanos kSec = kNanosPerSecond;
constexpr std::size_t kDeep = 5000;  // well past kMaxKeyDepth, and past what recursion survives here

std::string chain_key(std::size_t levels) {
  std::string key;
  for (std::size_t i = 0; i < levels; ++i) key += "/a";
  return key;
}

// A store image whose tree is one chain /a/a/.../a of `levels` levels: dirs down to a file
// "a" expiring at kNow + 10 s. Built from a real image of an empty store at index 2 (its tree
// section is the last two bytes: node count 0, root child count 0), with the tree section
// written by hand in the format store.hpp describes — no write could create such a tree.
std::string deep_image(std::size_t levels) {
  Store base;
  base.set("/x", false, "v", std::nullopt, kNow);
  base.remove("/x", false, false, kNow);
  std::string image = base.save();
  BOOST_REQUIRE(image.size() >= 2 && image.substr(image.size() - 2) == std::string(2, '\0'));
  image.resize(image.size() - 2);
  Encoder e(image);
  e.put_varint(levels);
  e.put_varint(1);
  for (std::size_t i = 1; i <= levels; ++i) {
    e.put_bytes("a");
    const bool leaf = i == levels;
    e.put_u8(leaf ? 2 : 1);  // bit0 dir, bit1 has expiration
    e.put_varint(1);
    e.put_varint(1);
    if (leaf) {
      e.put_i64(kNow + 10 * kSec);
      e.put_bytes("bottom");
    } else {
      e.put_varint(1);
    }
  }
  return image;
}

// Levels of a listing (the node itself is level 0) and the key of its deepest node.
std::pair<std::size_t, std::string> depth_of(const NodeExtern& top) {
  std::size_t depth = 0;
  const NodeExtern* n = &top;
  while (!n->nodes.empty()) {
    n = &n->nodes.front();
    ++depth;
  }
  return {depth, n->key};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store_deep_key)

BOOST_AUTO_TEST_CASE(create__refuses_a_key_deeper_than_the_limit_and_changes_nothing) {
  Store s;
  auto too_deep = s.set(chain_key(kMaxKeyDepth + 1), false, "v", std::nullopt, kNow);
  BOOST_REQUIRE(!too_deep.ok());
  BOOST_TEST(too_deep.error().code == kEcodeInvalidField);
  BOOST_TEST(too_deep.error().http_status() == 400);
  BOOST_TEST(too_deep.error().cause == "key has more than 1000 levels");
  BOOST_TEST(s.index() == 0u);
  BOOST_TEST(s.node_count() == 0u);
  auto created = s.create(chain_key(kMaxKeyDepth + 1), true, "", false, std::nullopt, kNow);
  BOOST_REQUIRE(!created.ok());
  BOOST_TEST(created.error().code == kEcodeInvalidField);

  // At the limit it works, and an in-order key below it would cross the limit.
  BOOST_REQUIRE(s.set(chain_key(kMaxKeyDepth - 1), true, "", std::nullopt, kNow).ok());
  BOOST_REQUIRE(s.create(chain_key(kMaxKeyDepth), false, "v", false, std::nullopt, kNow).ok());
  BOOST_TEST(s.node_count() == kMaxKeyDepth);
  auto unique = s.create(chain_key(kMaxKeyDepth), false, "v", true, std::nullopt, kNow);
  BOOST_REQUIRE(!unique.ok());
  BOOST_TEST(unique.error().code == kEcodeInvalidField);
  BOOST_TEST(s.index() == 2u);
  BOOST_TEST(s.check_invariants().is_ok());
}

BOOST_AUTO_TEST_CASE(deep_tree__listing_at_root_and_ancestors_needs_no_stack_per_level) {
  Store s;
  BOOST_REQUIRE(s.recover(deep_image(kDeep)).is_ok());
  BOOST_REQUIRE(s.check_invariants().is_ok());
  std::pair<std::size_t, std::string> at_root, sorted_at_root, at_middle;
  bool non_recursive_lists_one = false;
  test::run_on_small_stack([&] {
    auto root = s.get("/", true, false, kNow);
    if (root.ok()) at_root = depth_of(root.value().node);
    auto sorted = s.get("/", true, true, kNow);
    if (sorted.ok()) sorted_at_root = depth_of(sorted.value().node);
    auto middle = s.get(chain_key(kDeep / 2), true, false, kNow);
    if (middle.ok()) at_middle = depth_of(middle.value().node);
    auto flat = s.get("/a", false, false, kNow);
    non_recursive_lists_one = flat.ok() && depth_of(flat.value().node).first == 1;
  });
  BOOST_TEST(at_root.first == kDeep);
  BOOST_TEST(at_root.second == chain_key(kDeep));
  BOOST_TEST(sorted_at_root.first == kDeep);
  BOOST_TEST(at_middle.first == kDeep - kDeep / 2);
  BOOST_TEST(at_middle.second == chain_key(kDeep));
  BOOST_TEST(non_recursive_lists_one);
}

BOOST_AUTO_TEST_CASE(deep_tree__save_recover_watch_expire_and_recursive_delete) {
  Store s;
  BOOST_REQUIRE(s.recover(deep_image(kDeep)).is_ok());
  auto seen = std::make_shared<std::vector<std::string>>();
  auto sink = [seen](const EventPtr& e) {
    seen->push_back(e->action + " " + std::to_string(e->node.key.size()));
    return true;
  };
  bool saved_again = false, expired_one = false, deleted = false, refused_below = false;
  std::size_t nodes_after_expiry = 0, nodes_after_delete = 1;
  test::run_on_small_stack([&] {
    Store copy;
    saved_again = copy.recover(s.save()).is_ok() && copy.save() == s.save();
    // A watcher at the root, one in the middle, one on the file itself.
    s.watch("/", true, true, 0, sink);
    s.watch(chain_key(kDeep / 2), true, true, 0, sink);
    s.watch(chain_key(kDeep), false, true, 0, sink);
    // Nothing may be created below the limit's depth, even in an existing deep dir.
    auto below = s.set(chain_key(kDeep - 1) + "/b", false, "v", std::nullopt, kNow);
    refused_below = !below.ok() && below.error().code == kEcodeInvalidField;
    auto expired = s.expire(kNow + 10 * kSec);
    expired_one = expired.size() == 1 && expired.front()->node.key == chain_key(kDeep);
    nodes_after_expiry = s.node_count();
    deleted = s.remove("/a", true, true, kNow).ok();
    nodes_after_delete = s.node_count();
  });
  BOOST_TEST(saved_again);
  BOOST_TEST(refused_below);
  BOOST_TEST(expired_one);
  BOOST_TEST(nodes_after_expiry == kDeep - 1);
  BOOST_TEST(deleted);
  BOOST_TEST(nodes_after_delete == 0u);
  // The expiry reached all three watchers; the delete the root's (the middle one's node is gone
  // with it, so it is told too).
  const std::string leaf = std::to_string(2 * kDeep);
  std::vector<std::string> expected{"expire " + leaf, "expire " + leaf, "expire " + leaf, "delete 2", "delete 2"};
  std::sort(seen->begin(), seen->end());
  std::sort(expected.begin(), expected.end());
  BOOST_TEST(*seen == expected, boost::test_tools::per_element());
  BOOST_TEST(s.check_invariants().is_ok());
}

BOOST_AUTO_TEST_CASE(deep_listing__is_freed_without_recursion) {
  // A listing nested far deeper than any tree a store lets a write create, freed on a small stack.
  bool freed = false;
  test::run_on_small_stack([&] {
    auto top = std::make_unique<NodeExtern>();
    NodeExtern* n = top.get();
    for (int i = 0; i < 200000; ++i) {
      n->dir = true;
      n->nodes.emplace_back();
      n = &n->nodes.back();
    }
    top.reset();
    freed = true;
  });
  BOOST_TEST(freed);
}

BOOST_AUTO_TEST_SUITE_END()
