// The discovery cluster record (server/discovery/cluster_record.hpp): what a member bootstrapped
// by discovery reads on every restart. Round trip, absence, and a damaged record refused.
#include "server/discovery/cluster_record.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>

#include "test/support/file/scratch_dir.hpp"

BOOST_AUTO_TEST_SUITE(discovery_cluster_record)

BOOST_AUTO_TEST_CASE(round_trip__absent_then_written_then_read) {
  coord::test::ScratchDir dir;
  const std::string data_dir = dir.path() + "/member.data";  // not made yet: write makes it
  auto none = coord::discovery::read_cluster_record(data_dir);
  BOOST_REQUIRE(none.is_ok());
  BOOST_TEST(!none->has_value());
  const coord::discovery::ClusterRecord record{"a=http://127.0.0.1:1,b=http://127.0.0.1:2", "http://h:1/v2/keys/d/t"};
  BOOST_REQUIRE(coord::discovery::write_cluster_record(data_dir, record).is_ok());
  auto read = coord::discovery::read_cluster_record(data_dir);
  BOOST_REQUIRE(read.is_ok());
  BOOST_REQUIRE(read->has_value());
  BOOST_TEST((*read)->initial_cluster == record.initial_cluster);
  BOOST_TEST((*read)->token == record.token);
  BOOST_TEST(!std::filesystem::exists(coord::discovery::cluster_record_path(data_dir) + ".tmp"));
}

BOOST_AUTO_TEST_CASE(damaged_record__refused) {
  coord::test::ScratchDir dir;
  for (const char* text : {"", "a=http://127.0.0.1:1\n", "\nhttp://h/t\n", "a=http://127.0.0.1:1\nt\nextra\n"}) {
    std::filesystem::create_directories(dir.path() + "/discovery");
    std::ofstream(coord::discovery::cluster_record_path(dir.path()), std::ios::trunc) << text;
    auto read = coord::discovery::read_cluster_record(dir.path());
    BOOST_TEST(!read.is_ok(), "accepted: \"" << text << "\"");
  }
}

BOOST_AUTO_TEST_SUITE_END()
