// store-index-bench [KEYS]: adds KEYS keys (default 1,000,000) under one dir of a NodeTree and
// prints the total time and the four slowest single adds. The slowest adds are the index's
// doublings: what one write holds the store lock for while the key tree grows
// (server/store/node_tree.hpp, "Growth"). Prints figures; asserts nothing.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "server/store/node_tree.hpp"

int main(int argc, char** argv) {
  const long keys = argc > 1 ? std::atol(argv[1]) : 1000000;
  if (keys <= 0) {
    std::fprintf(stderr, "usage: store-index-bench [KEYS > 0]\n");
    return 2;
  }
  coord::store::NodeTree tree;
  coord::store::Node* dir = tree.add(tree.root(), "big", true);
  std::vector<double> add_us;
  add_us.reserve(static_cast<std::size_t>(keys));
  char name[40];
  for (long i = 0; i < keys; ++i) {
    std::snprintf(name, sizeof name, "key-%024ld", i);  // 28 B names, like the 30 B key paths of compare.sh
    const auto started = std::chrono::steady_clock::now();
    tree.add(dir, name, false);
    add_us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started).count());
  }
  double total = 0;
  for (double us : add_us) total += us;
  const auto worst = std::min<std::size_t>(4, add_us.size());
  std::partial_sort(add_us.begin(), add_us.begin() + static_cast<long>(worst), add_us.end(), std::greater<>());
  std::printf("keys=%ld\ttotal_ms=%.1f\tmean_us=%.3f\tslowest_us=", keys, total / 1000, total / static_cast<double>(keys));
  for (std::size_t i = 0; i < worst; ++i) std::printf("%s%.1f", i ? "," : "", add_us[i]);
  std::printf("\n");
}
