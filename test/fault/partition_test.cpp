// Network faults between coordd members, made by the per-link peer relays
// (test/support/net/link_relay.hpp), with four recorded clients running throughout. Each case
// states its fault and what must hold; every case also requires that the clients got answers in
// each phase and that the whole history is linearizable, read back through quorum gets on every
// member after the links are healed (fault_fixture.hpp).
//
// CI subset: every case here. COORD_FAULT_FULL=1 adds nothing in this file.
#include "test/fault/fault_fixture.hpp"

#include <random>

using namespace coord::test;
using namespace coord::test::fault;

BOOST_AUTO_TEST_SUITE(partition)

// Fault: every link to and from the leader is refused. Must hold: the other two elect a new
// leader and serve; once healed, the old leader follows it and answers quorum gets.
BOOST_AUTO_TEST_CASE(leader_isolated__majority_elects_and_serves) {
  RecordedFault f(3);
  f.relays().isolate(f.leader, Cut::kClose);
  const auto successor = f.leader_among(f.all_but(f.leader));
  BOOST_TEST(successor.has_value(), "no new leader among the majority");
  f.ok = f.ok && successor && f.recorder.hold("leader isolated", 1s, 40);
  BOOST_TEST(f.relays().refused(f.leader, *successor) + f.relays().refused(*successor, f.leader) > 0u,
             "the cut refused no connection: it was not exercised");
  f.heal_and_check();
}

// Fault: a follower's links are frozen (a black hole: bytes held, connections open). Must
// hold: the other two go on, and /health says so: false (503) on the follower, cut off from the
// quorum, true on the leader; once healed the follower catches up and answers quorum gets.
BOOST_AUTO_TEST_CASE(follower_isolated__cluster_goes_on_and_it_catches_up) {
  RecordedFault f(3);
  const int follower = (f.leader + 1) % 3;
  f.relays().isolate(follower, Cut::kFreeze);
  f.ok = f.ok && f.recorder.hold("follower isolated", 1500ms, 60);
  BOOST_TEST((f.leader_among({f.leader}, 1s) == std::optional<int>(f.leader)), "the leader changed although it kept its quorum");
  // The follower has been cut off for more than an election timeout by now.
  const auto cut_off = http_get(f.cluster.client_url(follower) + "/health", 3s);
  BOOST_TEST((cut_off && cut_off->status == 503 && cut_off->body == "{\"health\":\"false\"}\n"),
             "the isolated follower's /health: " << (cut_off ? cut_off->body : "no answer"));
  const auto serving = http_get(f.cluster.client_url(f.leader) + "/health", 3s);
  BOOST_TEST((serving && serving->status == 200 && serving->body == "{\"health\":\"true\"}"),
             "the leader's /health: " << (serving ? serving->body : "no answer"));
  f.heal_and_check();
}

// Fault: one way only, the leader's messages to both followers are lost; theirs still reach it.
// Must hold: the followers stop hearing heartbeats and elect a new leader (the old one, hearing
// their higher term, steps down), and the cluster serves.
BOOST_AUTO_TEST_CASE(one_way_cut_from_the_leader__followers_elect_a_new_one) {
  RecordedFault f(3);
  for (int other : f.all_but(f.leader)) f.relays().cut(f.leader, other, Cut::kFreeze);
  const auto successor = f.leader_among(f.all_but(f.leader));
  BOOST_TEST(successor.has_value(), "no new leader among the followers");
  f.ok = f.ok && successor && f.recorder.hold("leader's messages lost", 1s, 40);
  f.heal_and_check();
}

// Fault: one way only, the followers' messages to the leader are lost (it still reaches them,
// so they never time out). Must hold: the leader, acknowledged by no quorum, steps down within
// an election timeout (check quorum), a new leader is elected, and the cluster serves.
BOOST_AUTO_TEST_CASE(one_way_cut_to_the_leader__it_steps_down_and_a_new_one_serves) {
  RecordedFault f(3);
  for (int other : f.all_but(f.leader)) f.relays().cut(other, f.leader, Cut::kFreeze);
  const auto successor = f.leader_among(f.all_but(f.leader));
  BOOST_TEST(successor.has_value(), "no new leader among the followers");
  f.ok = f.ok && successor && f.recorder.hold("messages to the leader lost", 1s, 40);
  f.heal_and_check();
}

// Fault: 5 members split 2 | 3 with the leader on the side of 2. Must hold: the 3 elect a
// leader and serve (the 2 cannot commit anything); healed, all 5 agree.
BOOST_AUTO_TEST_CASE(split_two_three__majority_side_serves) {
  RecordedFault f(5, fault_options(), 60, 5);
  const std::vector<int> minority = {f.leader, (f.leader + 1) % 5};
  const std::vector<int> majority = {(f.leader + 2) % 5, (f.leader + 3) % 5, (f.leader + 4) % 5};
  for (int a : minority)
    for (int b : majority) f.relays().cut_both_ways(a, b, Cut::kClose);
  const auto successor = f.leader_among(majority);
  BOOST_TEST(successor.has_value(), "no leader on the majority side");
  f.ok = f.ok && successor && f.recorder.hold("split 2|3", 1s, 40);
  f.heal_and_check();
}

// Fault: links flap — a seeded random link is cut both ways (alternately refused and frozen)
// for 200-800 ms (around the 500 ms election timeout), then healed but delayed with jitter and
// dropping now and then for 300 ms, eight times. Must hold: the cluster serves through every flap.
BOOST_AUTO_TEST_CASE(flapping_links__cluster_serves_through_every_flap) {
  RecordedFault f(3, fault_options(), 40);
  std::mt19937 rng(20261206);
  for (int flap = 0; f.ok && flap < 8; ++flap) {
    const int a = static_cast<int>(rng() % 3);
    const int b = (a + 1 + static_cast<int>(rng() % 2)) % 3;
    f.relays().cut_both_ways(a, b, flap % 2 ? Cut::kFreeze : Cut::kClose);
    const auto cut_for = std::chrono::milliseconds(200 + rng() % 600);
    f.ok = f.recorder.hold("flap " + std::to_string(flap) + ": " + std::to_string(a) + "-" + std::to_string(b) + " cut", cut_for, 10);
    f.relays().heal(a, b);
    f.relays().heal(b, a);
    f.relays().set_delay(a, b, 5ms, 20ms);
    f.relays().set_drop(b, a, 0.02);
    f.ok = f.ok && f.recorder.hold("flap " + std::to_string(flap) + ": delayed and lossy", 300ms, 10);
    f.relays().heal_all();
  }
  f.heal_and_check();
}

BOOST_AUTO_TEST_SUITE_END()
