// check_peer_payloads: what a peer's message carries must apply. Before it, a follower (or
// anyone on the peer port) could forward a proposal whose entry does not decode: the leader
// appended it, it committed, and every member aborted applying it, on every restart.
#include "server/node/peer_payload_check.hpp"

#include <boost/test/unit_test.hpp>

#include "server/apply/request_codec.hpp"
#include "server/auth/auth_codec.hpp"
#include "server/node/member_codec.hpp"
#include "server/raft/codec.hpp"
#include "server/store/store.hpp"

namespace coord::node {
namespace {

raft::Message proposal(raft::NodeId from, raft::EntryType type, std::string data) {
  raft::Message m;
  m.type = raft::MessageType::kProp;
  m.from = from;
  m.to = 1;
  m.entries.push_back(raft::Entry{0, 0, type, std::move(data)});
  return m;
}

std::string request(apply::Method method, std::uint64_t member_id = 0) {
  apply::Request r;
  r.method = method;
  r.id = 9;
  r.path = "/k";
  // An auth write carries an encoded op; anything else would not decode.
  r.value = method == apply::Method::kAuth ? auth::encode_op(auth::AuthOp{}) : "v";
  r.member_id = member_id;
  return apply::encode(r);
}

bool refused(const raft::Message& m) { return check_peer_payloads(m).code() == StatusCode::kInvalidArgument; }

}  // namespace

BOOST_AUTO_TEST_SUITE(peer_payload_check)

BOOST_AUTO_TEST_CASE(proposal__refuses_an_entry_that_does_not_decode) {
  BOOST_TEST(!refused(proposal(2, raft::EntryType::kNormal, request(apply::Method::kPut))));
  BOOST_TEST(refused(proposal(2, raft::EntryType::kNormal, "not a request")));
  BOOST_TEST(refused(proposal(2, raft::EntryType::kNormal, "")));  // members never propose no-ops
  std::string truncated = request(apply::Method::kPut);
  truncated.pop_back();
  BOOST_TEST(refused(proposal(2, raft::EntryType::kNormal, truncated)));
  // One bad entry among good ones refuses the message.
  auto m = proposal(2, raft::EntryType::kNormal, request(apply::Method::kPut));
  m.entries.push_back(raft::Entry{0, 0, raft::EntryType::kNormal, "junk"});
  BOOST_TEST(refused(m));
}

BOOST_AUTO_TEST_CASE(proposal__accepts_every_method_a_follower_forwards) {
  // A follower proposes what its clients ask, auth writes included; the leader must append them.
  for (auto method : {apply::Method::kPut, apply::Method::kPost, apply::Method::kDelete, apply::Method::kQGet,
                      apply::Method::kSync, apply::Method::kAuth})
    BOOST_TEST(!refused(proposal(2, raft::EntryType::kNormal, request(method))), static_cast<int>(method));
}

BOOST_AUTO_TEST_CASE(proposal__refuses_membership_methods_and_a_publish_in_another_name) {
  // Membership changes go through conf-change entries; as normal entries they would change the
  // member list behind Raft's back.
  for (auto method : {apply::Method::kMemberAdd, apply::Method::kMemberRemove, apply::Method::kMemberUpdate})
    BOOST_TEST(refused(proposal(2, raft::EntryType::kNormal, request(method, 2))));
  BOOST_TEST(!refused(proposal(2, raft::EntryType::kNormal, request(apply::Method::kMemberPublish, 2))));
  BOOST_TEST(refused(proposal(2, raft::EntryType::kNormal, request(apply::Method::kMemberPublish, 3))));
  BOOST_TEST(!refused(proposal(2, raft::EntryType::kNormal, request(apply::Method::kSync))));
  BOOST_TEST(!refused(proposal(2, raft::EntryType::kNormal, request(apply::Method::kClusterVersion))));
}

BOOST_AUTO_TEST_CASE(proposal__conf_change_must_decode_with_its_context) {
  store::Member member{5, "e", {"http://127.0.0.1:5"}, {}};
  raft::ConfChange cc{raft::ConfChangeType::kAddNode, 5, encode_conf_context(ConfContext{7, member})};
  BOOST_TEST(!refused(proposal(2, raft::EntryType::kConfChange, raft::encode(cc))));
  BOOST_TEST(refused(proposal(2, raft::EntryType::kConfChange, "junk")));
  cc.context = "bad context";
  BOOST_TEST(refused(proposal(2, raft::EntryType::kConfChange, raft::encode(cc))));
  cc.context.clear();
  cc.node_id = 0;
  BOOST_TEST(refused(proposal(2, raft::EntryType::kConfChange, raft::encode(cc))));
}

BOOST_AUTO_TEST_CASE(append__entries_must_decode_but_a_no_op_is_fine) {
  raft::Message app;
  app.type = raft::MessageType::kApp;
  app.from = 2;
  app.entries = {raft::Entry{3, 5, raft::EntryType::kNormal, ""},
                 raft::Entry{3, 6, raft::EntryType::kNormal, request(apply::Method::kPut)}};
  BOOST_TEST(!refused(app));
  app.entries.push_back(raft::Entry{3, 7, raft::EntryType::kNormal, "junk"});
  BOOST_TEST(refused(app));
}

BOOST_AUTO_TEST_CASE(snapshot__carries_no_data__the_file_s_data_must_be_a_store_image) {
  raft::Message snap;
  snap.type = raft::MessageType::kSnap;
  snap.from = 2;
  snap.snapshot.metadata = {10, 2, {{1, 2}}};
  BOOST_TEST(!refused(snap));  // the data travels as a file
  store::Store store;
  store.set("/a", false, "1", std::nullopt, 0);
  const std::string image = store.save();
  snap.snapshot.data = image;
  BOOST_TEST(refused(snap));  // not how this build sends a snapshot
  auto decoded = decode_received_snapshot(image);
  BOOST_REQUIRE(decoded.is_ok());
  BOOST_TEST(decoded->node_count() > 0u);
  BOOST_TEST(!decode_received_snapshot(image.substr(0, image.size() / 2)).is_ok());
  BOOST_TEST(!decode_received_snapshot("garbage").is_ok());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::node
