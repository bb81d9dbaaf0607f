// NodeTree's hash index and sibling lists against a simple model, with seeded random adds and
// subtree deletes (the backward-shift deletion is the part most worth hammering).
#include <boost/test/unit_test.hpp>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "server/store/node_tree.hpp"

using namespace coord::store;

namespace {

std::vector<std::string> children_of(const Node* n) {
  std::vector<std::string> out;
  for (const Node* c = n->first_child; c != nullptr; c = c->next_sibling) out.push_back(std::string(c->name()));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(node_tree)

BOOST_AUTO_TEST_CASE(add_and_destroy__keep_children_in_insertion_order) {
  NodeTree t;
  Node* d = t.add(t.root(), "d", true);
  for (const char* n : {"a", "b", "c", "e"}) t.add(d, n, false);
  t.destroy(t.child(d, "a"));  // first
  t.destroy(t.child(d, "e"));  // last
  t.add(d, "f", false);
  t.destroy(t.child(d, "c"));  // middle
  BOOST_TEST(children_of(d) == std::vector<std::string>({"b", "f"}), boost::test_tools::per_element());
  BOOST_TEST(d->first_child->prev_sibling->name() == "f");
  BOOST_TEST(t.size() == 3u);
  BOOST_TEST(NodeTree::key_of(t.child(d, "f")) == "/d/f");
  BOOST_TEST(NodeTree::key_of(t.root()) == "");
  BOOST_TEST(NodeTree::depth_of(t.child(d, "f")) == 2u);
}

BOOST_AUTO_TEST_CASE(random_operations__match_a_set_model) {
  std::mt19937_64 rng(42);
  NodeTree t;
  std::vector<std::string> dir_keys{""};  // may hold destroyed dirs: they no longer resolve
  std::set<std::string> model;           // keys of live nodes
  auto resolve = [&t](const std::string& k) -> Node* {
    Node* cur = t.root();
    std::size_t pos = 1;
    while (cur != nullptr && pos <= k.size()) {
      std::size_t next = k.find('/', pos);
      if (next == std::string::npos) next = k.size();
      cur = t.child(cur, std::string_view(k).substr(pos, next - pos));
      pos = next + 1;
    }
    return cur;
  };
  for (int step = 0; step < 60000; ++step) {
    std::size_t pick = rng() % dir_keys.size();
    Node* parent = resolve(dir_keys[pick]);
    if (parent == nullptr || !parent->dir) {
      dir_keys[pick] = dir_keys.back();
      dir_keys.pop_back();
      continue;
    }
    std::string name = std::string("n").append(std::to_string(rng() % 50));
    Node* existing = t.child(parent, name);
    if (rng() % 10 < 7) {
      if (existing != nullptr) continue;
      bool dir = rng() % 3 == 0;
      Node* n = t.add(parent, name, dir);
      model.insert(NodeTree::key_of(n));
      if (dir) dir_keys.push_back(NodeTree::key_of(n));
    } else if (existing != nullptr) {
      std::string key = NodeTree::key_of(existing);
      BOOST_REQUIRE(model.erase(key) == 1u);
      auto it = model.lower_bound(key + "/");
      while (it != model.end() && it->compare(0, key.size() + 1, key + "/") == 0) it = model.erase(it);
      t.destroy(existing);
    }
    if (step % 5000 == 0) {
      BOOST_TEST(t.size() == model.size());
      for (const auto& k : model) BOOST_REQUIRE(resolve(k) != nullptr);
    }
  }
  BOOST_TEST(t.size() == model.size());
  for (const auto& k : model) BOOST_REQUIRE(resolve(k) != nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
