// MemoryStorage: the in-memory Storage and its error contract (compacted vs unavailable).
#include <boost/test/unit_test.hpp>

#include "server/raft/memory_storage.hpp"

namespace coord::raft {
namespace {

std::vector<Entry> ents(std::uint64_t from, std::uint64_t to, std::uint64_t term) {
  std::vector<Entry> out;
  for (std::uint64_t i = from; i <= to; ++i) out.push_back(Entry{term, i, EntryType::kNormal, std::string(10, 'x')});
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(memory_storage)

BOOST_AUTO_TEST_CASE(fresh_storage_is_empty) {
  MemoryStorage s;
  BOOST_TEST(s.first_index() == 1u);
  BOOST_TEST(s.last_index() == 0u);
  BOOST_TEST(s.term(0).value() == 0u);
  BOOST_TEST(s.initial_state()->first.empty());
  BOOST_TEST(s.snapshot()->empty());
}

BOOST_AUTO_TEST_CASE(entries_respect_bounds_and_byte_limit) {
  MemoryStorage s;
  BOOST_REQUIRE(s.append(ents(1, 10, 1)).is_ok());
  BOOST_TEST(s.entries(2, 5, ~0ull)->size() == 3u);
  BOOST_TEST(s.entries(2, 5, 25)->size() == 2u);
  BOOST_TEST(s.entries(2, 5, 0)->size() == 1u);  // always at least one
  BOOST_TEST(is_unavailable(s.entries(5, 12, ~0ull).status()));
  BOOST_TEST(is_unavailable(s.term(11).status()));
}

BOOST_AUTO_TEST_CASE(append_truncates_conflicting_suffix_and_refuses_gaps) {
  MemoryStorage s;
  BOOST_REQUIRE(s.append(ents(1, 10, 1)).is_ok());
  BOOST_REQUIRE(s.append(ents(6, 7, 2)).is_ok());
  BOOST_TEST(s.last_index() == 7u);
  BOOST_TEST(s.term(6).value() == 2u);
  BOOST_TEST(!s.append(ents(9, 9, 2)).is_ok());
}

BOOST_AUTO_TEST_CASE(compaction_and_snapshots) {
  MemoryStorage s;
  BOOST_REQUIRE(s.append(ents(1, 10, 1)).is_ok());
  auto snap = s.create_snapshot(6, ConfState{{1, 2}}, "data");
  BOOST_REQUIRE(snap.is_ok());
  BOOST_TEST(snap->metadata.term == 1u);
  BOOST_TEST(!s.create_snapshot(5, ConfState{}, "").is_ok());  // out of date
  BOOST_TEST(!s.create_snapshot(11, ConfState{}, "").is_ok());  // beyond the log
  BOOST_REQUIRE(s.compact(6).is_ok());
  BOOST_TEST(s.first_index() == 7u);
  BOOST_TEST(s.term(6).value() == 1u);  // the snapshot's term stays known
  BOOST_TEST(is_compacted(s.term(5).status()));
  BOOST_TEST(is_compacted(s.entries(6, 8, ~0ull).status()));
  BOOST_TEST(is_compacted(s.compact(4)));
  BOOST_TEST((s.initial_state()->second.voters == std::vector<NodeId>{1, 2}));
}

BOOST_AUTO_TEST_CASE(compaction_point__keeps_the_last_entries_within_both_a_count_and_a_byte_budget) {
  MemoryStorage s;
  BOOST_REQUIRE(s.append(ents(1, 10, 1)).is_ok());  // 10 bytes of data each
  BOOST_TEST(s.compaction_point(8, 3, ~0ull) == 5u);  // keeps 6, 7, 8
  BOOST_TEST(s.compaction_point(8, 3, 25) == 6u);     // 20 bytes fit, 30 do not: keeps 7, 8
  BOOST_TEST(s.compaction_point(8, 3, 30) == 5u);     // exactly the budget fits
  BOOST_TEST(s.compaction_point(8, 3, 9) == 8u);      // not even one: keeps nothing up to 8
  BOOST_TEST(s.compaction_point(8, 0, ~0ull) == 8u);
  BOOST_TEST(s.compaction_point(8, 100, ~0ull) == 0u);  // below first_index(): nothing may go
  BOOST_REQUIRE(s.compact(s.compaction_point(8, 3, 25)).is_ok());
  BOOST_TEST(s.first_index() == 7u);
  BOOST_TEST(s.compaction_point(8, 100, ~0ull) == 6u);  // the dummy at 6 is never counted
}

BOOST_AUTO_TEST_CASE(compact__can_hand_the_discarded_entries_out_instead_of_destroying_them) {
  MemoryStorage s;
  const auto all = ents(1, 10, 1);
  BOOST_REQUIRE(s.append(all).is_ok());
  std::vector<Entry> discarded{all[0]};  // appended to, not replaced
  BOOST_REQUIRE(s.compact(6, &discarded).is_ok());
  BOOST_REQUIRE(discarded.size() == 7u);
  for (std::size_t i = 1; i < discarded.size(); ++i) BOOST_TEST((discarded[i] == all[i - 1]));
  BOOST_TEST(s.first_index() == 7u);
  BOOST_TEST(s.term(6).value() == 1u);  // the dummy keeps the term of the last one discarded
  BOOST_TEST((s.entries(7, 11, ~0ull).value() == std::vector<Entry>(all.begin() + 6, all.end())));
}

BOOST_AUTO_TEST_CASE(apply_snapshot_replaces_the_log) {
  MemoryStorage s;
  BOOST_REQUIRE(s.append(ents(1, 10, 1)).is_ok());
  Snapshot snap{SnapshotMetadata{20, 3, ConfState{{1}}}, "d"};
  BOOST_REQUIRE(s.apply_snapshot(snap).is_ok());
  BOOST_TEST(s.first_index() == 21u);
  BOOST_TEST(s.last_index() == 20u);
  BOOST_TEST(s.term(20).value() == 3u);
  BOOST_TEST(!s.apply_snapshot(snap).is_ok());
  BOOST_REQUIRE(s.append(ents(21, 22, 3)).is_ok());
  BOOST_TEST(s.last_index() == 22u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::raft
