// raft_bench: throughput and allocation cost of the Raft core alone. Three RawNodes over
// MemoryStorage exchange messages in memory (no codec, no disk); the leader proposes in
// batches and every Ready is handled as the raft loop would. Prints proposals committed per
// second and heap allocations per committed entry (counted by the replaced operator new
// below). Usage: raft_bench [total_proposals] [batch] [payload_bytes]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "server/raft/memory_storage.hpp"
#include "server/raft/raw_node.hpp"

namespace {
std::uint64_t g_allocs = 0;
std::uint64_t g_alloc_bytes = 0;
}  // namespace

void* operator new(std::size_t n) {
  ++g_allocs;
  g_alloc_bytes += n;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

using namespace coord::raft;

struct Node {
  MemoryStorage storage;
  std::unique_ptr<RawNode> raw;
  std::uint64_t applied = 0;
  std::uint64_t applied_entries = 0;
};

struct Bench {
  explicit Bench(int n) {
    std::vector<NodeId> voters;
    for (int i = 1; i <= n; ++i) voters.push_back(static_cast<NodeId>(i));
    for (NodeId id : voters) {
      auto node = std::make_unique<Node>();
      Config cfg;
      cfg.id = id;
      cfg.seed = id;
      cfg.storage = &node->storage;
      node->raw = std::make_unique<RawNode>(cfg);
      (void)node->raw->bootstrap(voters);
      nodes.push_back(std::move(node));
    }
    pump();
    nodes[0]->raw->campaign();
    pump();
  }

  void handle(Node& n) {
    while (n.raw->has_ready()) {
      Ready rd = n.raw->ready();
      if (rd.hard_state) n.storage.set_hard_state(*rd.hard_state);
      if (!rd.entries.empty()) (void)n.storage.append(rd.entries);
      for (Message& m : rd.messages) wire.push_back(std::move(m));
      for (const Entry& e : rd.committed_entries) {
        if (!e.data.empty() && e.type == EntryType::kNormal) ++n.applied_entries;
        n.applied = e.index;
      }
      n.raw->advance(rd);
    }
  }

  void pump() {
    for (auto& n : nodes) handle(*n);
    while (!wire.empty()) {
      std::vector<Message> batch;
      batch.swap(wire);
      for (Message& m : batch) {
        Node& to = *nodes[m.to - 1];
        (void)to.raw->step(m);
        handle(to);
      }
    }
  }

  void compact_all() {
    for (auto& n : nodes) {
      if (n->applied > 1000) {
        std::uint64_t at = n->applied - 500;
        if (n->storage.create_snapshot(at, ConfState{{1, 2, 3}}, "").is_ok()) (void)n->storage.compact(at);
      }
    }
  }

  std::vector<std::unique_ptr<Node>> nodes;
  std::vector<Message> wire;
};

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t total = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200000;
  std::uint64_t batch = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 64;
  std::size_t payload = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 128;
  Bench b(3);
  RawNode& leader = *b.nodes[0]->raw;
  if (leader.status().role != Role::kLeader) {
    std::fprintf(stderr, "no leader\n");
    return 1;
  }
  std::string data(payload, 'x');
  std::uint64_t base = b.nodes[0]->applied_entries;
  std::uint64_t allocs0 = g_allocs, bytes0 = g_alloc_bytes;
  auto start = std::chrono::steady_clock::now();
  std::uint64_t proposed = 0;
  while (proposed < total) {
    for (std::uint64_t i = 0; i < batch && proposed < total; ++i, ++proposed) {
      if (!leader.propose(data).is_ok()) return 1;
    }
    b.pump();
    if (proposed % 8192 < batch) b.compact_all();
  }
  b.pump();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::uint64_t committed = b.nodes[0]->applied_entries - base;
  std::uint64_t allocs = g_allocs - allocs0, bytes = g_alloc_bytes - bytes0;
  std::printf("raft_bench: 3 nodes, %llu proposals of %zu bytes, batch %llu\n",
              static_cast<unsigned long long>(total), payload, static_cast<unsigned long long>(batch));
  std::printf("  committed on leader: %llu in %.3f s = %.0f proposals/s\n",
              static_cast<unsigned long long>(committed), secs, committed / secs);
  std::printf("  allocations: %.1f per committed entry (%.0f bytes per entry), cluster-wide\n",
              static_cast<double>(allocs) / committed, static_cast<double>(bytes) / committed);
  for (auto& n : b.nodes) {
    if (n->applied_entries - base != committed) {
      std::fprintf(stderr, "follower applied %llu != %llu\n",
                   static_cast<unsigned long long>(n->applied_entries - base),
                   static_cast<unsigned long long>(committed));
      return 1;
    }
  }
  return committed == total ? 0 : 1;
}
