// NodeTree's hash index and sibling lists against a simple model, with seeded random adds and
// subtree deletes (the backward-shift deletion is the part most worth hammering), and the index
// checked whole while a doubling moves its nodes a few at a time.
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

BOOST_AUTO_TEST_CASE(doubling__moves_nodes_a_few_per_insert_and_every_node_stays_found) {
  // Adds under a handful of parents (long probe runs from the same names under different
  // parents) with deletes mixed in; the index is checked whole at every step of each move.
  std::mt19937_64 rng(7);
  NodeTree t;
  std::vector<Node*> dirs{t.root()};
  for (int d = 0; d < 4; ++d) dirs.push_back(t.add(t.root(), "d" + std::to_string(d), true));
  std::vector<Node*> files;
  int moves_seen = 0, steps_while_moving = 0;
  bool was_moving = false;
  for (int step = 0; step < 40000; ++step) {
    if (!files.empty() && rng() % 5 == 0) {
      const std::size_t k = rng() % files.size();
      t.destroy(files[k]);
      files[k] = files.back();
      files.pop_back();
    } else {
      Node* parent = dirs[rng() % dirs.size()];
      const std::string name = "k" + std::to_string(rng() % 100000);
      if (Node* n = t.try_add(parent, name, false)) {
        files.push_back(n);
      } else {
        BOOST_REQUIRE(t.child(parent, name) != nullptr);  // refused only because it is there
      }
    }
    const bool moving = t.index_moving();
    if (moving && !was_moving) ++moves_seen;
    was_moving = moving;
    if (moving) {
      ++steps_while_moving;
      BOOST_REQUIRE(t.index_consistent());
    } else if (step % 2000 == 0) {
      BOOST_REQUIRE(t.index_consistent());
    }
  }
  BOOST_TEST(t.size() == files.size() + 4);
  BOOST_TEST(t.index_consistent());
  BOOST_TEST(moves_seen >= 8);  // 64 slots at the start: many doublings, each moved over several inserts
  BOOST_TEST(steps_while_moving > moves_seen);
  for (Node* f : files) BOOST_REQUIRE(t.child(f->parent, f->name()) == f);
}

BOOST_AUTO_TEST_CASE(reserve_and_bulk_indexing__end_a_move_in_progress) {
  NodeTree t;
  Node* d = t.add(t.root(), "d", true);
  int added = 0;
  while (!t.index_moving()) t.add(d, "a" + std::to_string(added++), false);
  // A snapshot's bulk load during the move: reserve() ends it first.
  Node* b = t.add_unindexed(d, "bulk", false);
  BOOST_TEST(t.index_pending());
  BOOST_TEST(!t.index_moving());
  BOOST_TEST(t.child(d, "bulk") == b);
  BOOST_TEST(t.index_consistent());
  for (int i = 0; i < added; ++i) BOOST_REQUIRE(t.child(d, "a" + std::to_string(i)) != nullptr);
}

BOOST_AUTO_TEST_CASE(a_move_in_progress__survives_moving_the_tree) {
  NodeTree t;
  Node* d = t.add(t.root(), "d", true);
  int added = 0;
  while (!t.index_moving()) t.add(d, "a" + std::to_string(added++), false);
  NodeTree moved(std::move(t));
  BOOST_TEST(moved.index_moving());
  BOOST_TEST(moved.index_consistent());
  for (int i = 0; i < 2000; ++i) moved.add(moved.child(moved.root(), "d"), "b" + std::to_string(i), false);
  BOOST_TEST(!moved.index_moving());
  BOOST_TEST(moved.index_consistent());
  BOOST_TEST(moved.size() == static_cast<std::size_t>(added + 2000 + 1));
}

BOOST_AUTO_TEST_SUITE_END()
