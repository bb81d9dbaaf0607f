// Pure parts of the recipes: smooth weighted round-robin, instance and task parsing.
#include <boost/test/unit_test.hpp>

#include <map>

#include "coord/recipes.hpp"

using namespace coord::recipes;

BOOST_AUTO_TEST_SUITE(recipes_pure)

BOOST_AUTO_TEST_CASE(weighted_round_robin__equal_weights_rotate_in_order) {
  WeightedRoundRobin rr;
  std::vector<std::pair<std::string, std::uint32_t>> w{{"a", 1}, {"b", 1}, {"c", 1}};
  std::string seen;
  for (int i = 0; i < 6; ++i) seen += w[rr.next(w)].first;
  BOOST_TEST(seen == "abcabc");
}

BOOST_AUTO_TEST_CASE(weighted_round_robin__picks_in_proportion_and_smoothly) {
  WeightedRoundRobin rr;
  std::vector<std::pair<std::string, std::uint32_t>> w{{"a", 5}, {"b", 1}, {"c", 1}};
  std::map<std::string, int> count;
  std::string seen;
  for (int i = 0; i < 7; ++i) seen += w[rr.next(w)].first;
  for (char c : seen) ++count[std::string(1, c)];
  BOOST_TEST(count["a"] == 5);
  BOOST_TEST(count["b"] == 1);
  BOOST_TEST(count["c"] == 1);
  BOOST_TEST(seen.find("aaa") == std::string::npos);  // smooth: the heavy one is interleaved
}

BOOST_AUTO_TEST_CASE(weighted_round_robin__empty_list_gives_minus_one_and_departures_are_forgotten) {
  WeightedRoundRobin rr;
  BOOST_TEST(rr.next({}) == -1);
  std::vector<std::pair<std::string, std::uint32_t>> w{{"a", 1}, {"b", 1}};
  rr.next(w);
  std::vector<std::pair<std::string, std::uint32_t>> only_b{{"b", 1}};
  BOOST_TEST(rr.next(only_b) == 0);
}

BOOST_AUTO_TEST_CASE(service_instance__parses_registration_json_and_weight) {
  coord::Node n;
  n.key = "/coord/services/web/i1";
  n.value = R"({"id":"i1","endpoint":"10.0.0.1:80","metadata":{"weight":3,"zone":"a"},"token":"t"})";
  n.created_index = 7;
  auto i = ServiceInstance::from_node(n);
  BOOST_REQUIRE(i.has_value());
  BOOST_TEST(i->id == "i1");
  BOOST_TEST(i->endpoint == "10.0.0.1:80");
  BOOST_TEST(i->weight() == 3u);
  BOOST_TEST(i->created_index == 7u);
  n.value = "plain:1";
  BOOST_TEST(ServiceInstance::from_node(n)->endpoint == "plain:1");
  BOOST_TEST(ServiceInstance::from_node(n)->weight() == 1u);
  n.dir = true;
  BOOST_TEST(!ServiceInstance::from_node(n).has_value());
}

BOOST_AUTO_TEST_CASE(task_status__parses_progress_and_rejects_garbage) {
  coord::Node n;
  n.key = "/coord/jobs/j/t1";
  n.value = R"({"state":"succeeded","fraction":1.0,"message":"done","worker":"w","seq":4})";
  auto t = TaskStatus::from_node(n);
  BOOST_REQUIRE(t.has_value());
  BOOST_TEST(t->task == "t1");
  BOOST_TEST((t->state == TaskState::kSucceeded));
  BOOST_TEST(t->seq == 4u);
  n.value = "not json";
  BOOST_TEST(!TaskStatus::from_node(n).has_value());
}

BOOST_AUTO_TEST_CASE(owner_token__differs_at_every_call) {
  BOOST_TEST(make_owner_token() != make_owner_token());
}

BOOST_AUTO_TEST_CASE(refresher__margin_is_a_tenth_of_the_ttl_but_at_least_half_a_second) {
  BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(Refresher::margin(std::chrono::seconds(2))).count() == 500);
  BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(Refresher::margin(std::chrono::seconds(30))).count() == 3000);
}

BOOST_AUTO_TEST_SUITE_END()
