// restart_as_standalone (--force-new-cluster): the rewritten log keeps every committed entry,
// drops the uncommitted ones, and commits conf changes that leave this member the only voter
// (adding it first when the log does not list it); after a reopen the log reads the same, and
// a second forced restart writes nothing.
#include "server/node/standalone_restart.hpp"

#include <boost/test/unit_test.hpp>

#include "server/common/file_mem.hpp"
#include "server/node/member_codec.hpp"
#include "server/raft/codec.hpp"

namespace coord::node {
namespace {

const std::string kDataDir = "/data";
constexpr std::uint64_t kSelf = 1, kCluster = 7;

std::unique_ptr<DurableLog> open_log(FileSystem& fs) {
  auto log = DurableLog::open(fs, kDataDir, kSelf, kCluster, DurableLogOptions{});
  BOOST_REQUIRE_MESSAGE(log.is_ok(), log.status().to_string());
  return std::move(*log);
}

raft::Entry conf_entry(std::uint64_t term, std::uint64_t index, raft::ConfChangeType type, std::uint64_t id) {
  return raft::Entry{term, index, raft::EntryType::kConfChange, raft::encode(raft::ConfChange{type, id, {}})};
}

raft::Entry data_entry(std::uint64_t term, std::uint64_t index) {
  return raft::Entry{term, index, raft::EntryType::kNormal, "write " + std::to_string(index)};
}

// A three-member log: bootstrap adds 1, 2, 3 (term 1), writes 4..6 committed, 7..8 not
// (term 3); the hard state commits 6.
void write_three_member_log(FileSystem& fs, std::vector<std::uint64_t> voters = {1, 2, 3}) {
  auto log = open_log(fs);
  std::vector<raft::Entry> entries;
  for (std::uint64_t id : voters) entries.push_back(conf_entry(1, entries.size() + 1, raft::ConfChangeType::kAddNode, id));
  const std::uint64_t first = entries.size() + 1;
  for (std::uint64_t i = first; i < first + 5; ++i) entries.push_back(data_entry(i < first + 3 ? 2 : 3, i));
  BOOST_REQUIRE(log->save(raft::HardState{3, 2, first + 2}, entries, true).is_ok());
}

struct Decoded {
  raft::ConfChangeType type;
  std::uint64_t id;
};

std::vector<Decoded> conf_changes_after(DurableLog& log, std::uint64_t index) {
  std::vector<Decoded> out;
  auto& storage = log.storage();
  auto entries = storage.entries(index + 1, storage.last_index() + 1, ~0ull);
  BOOST_REQUIRE(entries.is_ok());
  for (const auto& e : *entries) {
    BOOST_REQUIRE(e.type == raft::EntryType::kConfChange);
    auto cc = raft::decode_conf_change(e.data);
    BOOST_REQUIRE(cc.is_ok());
    out.push_back({cc->type, cc->node_id});
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(standalone_restart)

BOOST_AUTO_TEST_CASE(forced_restart__keeps_committed_drops_uncommitted_and_removes_the_others) {
  MemFileSystem fs;
  write_three_member_log(fs);
  {
    auto log = open_log(fs);
    auto forced = restart_as_standalone(*log, kSelf, {});
    BOOST_REQUIRE_MESSAGE(forced.is_ok(), forced.status().to_string());
    BOOST_TEST(forced->dropped == 2u);
    BOOST_TEST(forced->removed == (std::vector<std::uint64_t>{2, 3}), boost::test_tools::per_element());
    BOOST_TEST(!forced->added_self);
    BOOST_TEST(forced->commit == 8u);
  }
  // What a restart reads back: entries 1..6 as they were, then the two removals at term 3,
  // committed.
  auto log = open_log(fs);
  BOOST_TEST(log->memory().hard_state().commit == 8u);
  BOOST_TEST(log->storage().last_index() == 8u);
  auto kept = log->storage().entries(4, 7, ~0ull);
  BOOST_REQUIRE(kept.is_ok());
  for (const auto& e : *kept) BOOST_TEST(e.data == "write " + std::to_string(e.index));
  auto changes = conf_changes_after(*log, 6);
  BOOST_REQUIRE(changes.size() == 2u);
  BOOST_TEST((changes[0].type == raft::ConfChangeType::kRemoveNode && changes[0].id == 2u));
  BOOST_TEST((changes[1].type == raft::ConfChangeType::kRemoveNode && changes[1].id == 3u));
  BOOST_TEST(log->storage().term(8).value() == 3u);

  // Forced again: already the only voter, nothing is written.
  auto again = restart_as_standalone(*log, kSelf, {});
  BOOST_REQUIRE(again.is_ok());
  BOOST_TEST(again->removed.empty());
  BOOST_TEST(log->storage().last_index() == 8u);
}

BOOST_AUTO_TEST_CASE(forced_restart__adds_this_member_first_when_the_log_does_not_list_it) {
  MemFileSystem fs;
  write_three_member_log(fs, {2, 3});
  auto log = open_log(fs);
  auto forced = restart_as_standalone(*log, kSelf, {"http://127.0.0.1:2380"});
  BOOST_REQUIRE(forced.is_ok());
  BOOST_TEST(forced->added_self);
  auto changes = conf_changes_after(*log, 5);
  BOOST_REQUIRE(changes.size() == 3u);
  BOOST_TEST((changes[0].type == raft::ConfChangeType::kAddNode && changes[0].id == kSelf));
  BOOST_TEST((changes[1].type == raft::ConfChangeType::kRemoveNode && changes[1].id == 2u));
  BOOST_TEST((changes[2].type == raft::ConfChangeType::kRemoveNode && changes[2].id == 3u));
  auto first = log->storage().entries(6, 7, ~0ull);
  BOOST_REQUIRE(first.is_ok());
  auto context = decode_conf_context(raft::decode_conf_change(first->front().data)->context);
  BOOST_REQUIRE(context.is_ok());
  BOOST_TEST(context->member.peer_urls == (std::vector<std::string>{"http://127.0.0.1:2380"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::node
