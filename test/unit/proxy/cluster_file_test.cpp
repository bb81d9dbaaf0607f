// The proxy's cluster file (server/proxy/cluster_file.hpp): a round trip, no file, and hostile
// bytes in its place (the data dir is the operator's, but a torn disk or a stray editor can
// leave anything there): each is refused with a status, never a crash or a made-up member list.
#include "server/proxy/cluster_file.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "test/support/file/scratch_dir.hpp"

namespace {

void write_raw(const std::string& data_dir, const std::string& bytes) {
  std::filesystem::create_directories(data_dir + "/proxy");
  std::ofstream(coord::proxy::cluster_file_path(data_dir), std::ios::binary) << bytes;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(proxy_cluster_file)

BOOST_AUTO_TEST_CASE(no_file_is_no_record_and_a_written_record_reads_back) {
  coord::test::ScratchDir dir;
  auto none = coord::proxy::read_cluster_file(dir.path());
  BOOST_REQUIRE(none.is_ok());
  BOOST_TEST(!none.value().has_value());
  const std::vector<std::string> urls = {"http://127.0.0.1:2380", "https://10.0.0.2:2380"};
  BOOST_REQUIRE(coord::proxy::write_cluster_file(dir.path(), urls).is_ok());
  auto back = coord::proxy::read_cluster_file(dir.path());
  BOOST_REQUIRE(back.is_ok());
  BOOST_REQUIRE(back.value().has_value());
  BOOST_TEST(*back.value() == urls);
}

BOOST_AUTO_TEST_CASE(hostile_bytes_are_refused_with_a_status) {
  coord::test::ScratchDir dir;
  const std::vector<std::string> cases = {
      "",
      "{",
      "{\"PeerURLs\":",
      "{\"PeerURLs\":\"http://127.0.0.1:2380\"}",
      "{\"PeerURLs\":[1,2]}",
      "{\"PeerURLs\":[\"http://a:1\",null]}",
      "[\"http://127.0.0.1:2380\"]",
      "{\"peerurls\":[\"http://127.0.0.1:2380\"]}",
      std::string(100000, '[') + std::string(100000, ']'),
      std::string("\0\xff\xfe{\"PeerURLs\":[]}", 18),
  };
  for (const auto& bytes : cases) {
    write_raw(dir.path(), bytes);
    auto r = coord::proxy::read_cluster_file(dir.path());
    BOOST_TEST(!r.is_ok(), "accepted " << bytes.size() << " bytes: " << bytes.substr(0, 40));
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    std::string bytes(rng() % 300, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng());
    write_raw(dir.path(), bytes);
    auto r = coord::proxy::read_cluster_file(dir.path());
    // Random bytes are almost never a JSON object naming PeerURLs; if they were, the list is
    // strings only.
    if (r.is_ok() && r.value()) BOOST_TEST(bytes.find("PeerURLs") != std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()
