#include "server/transport/peer_wire.hpp"

#include <boost/test/unit_test.hpp>
#include <random>

#include "server/raft/codec.hpp"
#include "server/transport/peer_sender.hpp"

using namespace coord;

BOOST_AUTO_TEST_SUITE(peer_wire)

BOOST_AUTO_TEST_CASE(batch__round_trips_messages_in_order) {
  std::vector<raft::Message> in(3);
  for (int i = 0; i < 3; ++i) {
    in[i].type = raft::MessageType::kApp;
    in[i].from = 1;
    in[i].to = 2;
    in[i].term = 5;
    in[i].index = 10 + i;
    in[i].entries.push_back(raft::Entry{5, 11u + i, raft::EntryType::kNormal, "data" + std::to_string(i)});
  }
  std::vector<std::string> encoded;
  for (const auto& m : in) encoded.push_back(raft::encode(m));
  auto out = transport::decode_batch(transport::encode_batch(encoded));
  BOOST_REQUIRE(out.is_ok());
  BOOST_TEST((*out == in));
}

BOOST_AUTO_TEST_CASE(batch__rejects_bad_magic_version_truncation_and_trailing_bytes) {
  const std::string good = transport::encode_batch({raft::encode(raft::Message{})});
  BOOST_TEST(!transport::decode_batch("").is_ok());
  std::string bad_magic = good;
  bad_magic[0] ^= 1;
  BOOST_TEST(!transport::decode_batch(bad_magic).is_ok());
  std::string bad_version = good;
  bad_version[4] = 9;
  BOOST_TEST(!transport::decode_batch(bad_version).is_ok());
  for (std::size_t cut = 0; cut < good.size(); ++cut) BOOST_TEST(!transport::decode_batch(good.substr(0, cut)).is_ok());
  BOOST_TEST(!transport::decode_batch(good + "x").is_ok());
}

BOOST_AUTO_TEST_CASE(batch__random_garbage_never_crashes) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 2000; ++i) {
    std::string junk(rng() % 200, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    if (i % 2 == 0 && junk.size() >= 5) junk.replace(0, 5, transport::encode_batch({}).substr(0, 5));
    (void)transport::decode_batch(junk);  // must return, whatever it says
  }
}

BOOST_AUTO_TEST_CASE(split_url__accepts_loopback_urls_and_rejects_bad_ones) {
  std::string host;
  std::uint16_t port = 0;
  BOOST_TEST(transport::split_url("http://127.0.0.1:2380", host, port));
  BOOST_TEST(host == "127.0.0.1");
  BOOST_TEST(port == 2380);
  BOOST_TEST(transport::split_url("http://localhost:2380/x", host, port));
  BOOST_TEST(host == "127.0.0.1");
  BOOST_TEST(!transport::split_url("http://127.0.0.1", host, port));
  BOOST_TEST(!transport::split_url("http://127.0.0.1:99999", host, port));
  BOOST_TEST(!transport::split_url("http://127.0.0.1:x1", host, port));
}

BOOST_AUTO_TEST_SUITE_END()
