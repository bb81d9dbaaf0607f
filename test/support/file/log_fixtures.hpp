// Helpers shared by the WAL and snapshot tests: building Raft entries and snapshots with
// recognisable, seeded content. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "server/raft/types.hpp"

namespace coord::test {

// Entries first..last (inclusive) at `term`, each with data "e<index>t<term>" padded to at
// least `data_bytes` bytes.
std::vector<raft::Entry> make_entries(std::uint64_t first, std::uint64_t last, std::uint64_t term,
                                      std::size_t data_bytes = 0);

// `n` bytes of deterministic pseudo-random data from `seed`.
std::string random_bytes(std::size_t n, std::uint64_t seed);

// A snapshot at (index, term) with voters {1, 2, 3} and `data`.
raft::Snapshot make_snapshot(std::uint64_t index, std::uint64_t term, std::string data);

}  // namespace coord::test
