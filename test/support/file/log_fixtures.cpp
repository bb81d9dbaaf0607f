#include "test/support/file/log_fixtures.hpp"

#include <random>

namespace coord::test {

std::vector<raft::Entry> make_entries(std::uint64_t first, std::uint64_t last, std::uint64_t term,
                                      std::size_t data_bytes) {
  std::vector<raft::Entry> out;
  for (std::uint64_t i = first; i <= last; ++i) {
    raft::Entry e;
    e.term = term;
    e.index = i;
    e.type = i % 7 == 0 ? raft::EntryType::kConfChange : raft::EntryType::kNormal;
    std::string data = "e";  // appended piecewise: "e" + to_string() trips a GCC 12 -Wrestrict false positive
    data += std::to_string(i);
    data += 't';
    data += std::to_string(term);
    if (data.size() < data_bytes) data.resize(data_bytes, static_cast<char>('a' + i % 26));
    e.data = std::move(data);
    out.push_back(std::move(e));
  }
  return out;
}

std::string random_bytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng() & 0xff);
  return out;
}

raft::Snapshot make_snapshot(std::uint64_t index, std::uint64_t term, std::string data) {
  raft::Snapshot s;
  s.metadata.index = index;
  s.metadata.term = term;
  s.metadata.conf_state.voters = {1, 2, 3};
  s.data = std::move(data);
  return s;
}

}  // namespace coord::test
