// The discovery protocol (server/discovery/discovery.hpp) against a scripted keys service: who
// registers, when the cluster is full, waiting with watches, back-off while the service is
// unreachable, a registration found again, and etcd's words for each failure. No network, no
// waiting: the back-off's sleeps are recorded instead.
#include "server/discovery/discovery.hpp"

#include <boost/test/unit_test.hpp>

#include <deque>
#include <functional>
#include <map>

using coord::Result;
using coord::Status;
using coord::StatusCode;
using coord::discovery::Discovery;
using coord::discovery::DiscoveryOptions;
using coord::discovery::KeysAnswer;
using coord::discovery::KeysApi;
using coord::discovery::KeysNode;

namespace {

const std::string kToken = "/v2/keys/discovery/t";

// An in-memory v2 keys service holding one token directory. Watches answer from its event log;
// when nothing is there yet, `on_idle_watch` runs (to let another member register) first.
class FakeService final : public KeysApi {
 public:
  std::map<std::string, KeysNode> keys;  // full key -> node
  std::vector<std::pair<std::string, KeysNode>> events;  // action, node
  std::uint64_t index = 1;
  int unreachable_calls = 0;  // the next N calls fail as if the service were down
  int creates = 0;
  bool stale_events = false;  // watches answer events older than asked for (a broken service)
  std::function<void()> on_idle_watch;

  void put(const std::string& key, const std::string& value) {
    KeysNode n{key, value, false, ++index, index, {}};
    keys[key] = n;
    events.emplace_back("create", n);
  }
  void register_member(const std::string& id, const std::string& value) { put(kToken + "/" + id, value); }

  Result<KeysAnswer> get(const std::string& key) override {
    if (down()) return Status::unavailable("connection refused");
    KeysAnswer a;
    a.etcd_index = index;
    if (key == kToken) {
      KeysNode dir{key, "", true, 1, 1, {}};
      dir.nodes.push_back(KeysNode{kToken + "/_config", "", true, 1, 1, {}});
      for (const auto& [k, n] : keys)
        if (k.rfind(kToken + "/", 0) == 0 && k.find('/', kToken.size() + 1) == std::string::npos) dir.nodes.push_back(n);
      a.action = "get";
      a.node = dir;
      return a;
    }
    auto it = keys.find(key);
    if (it == keys.end()) {
      a.error_code = coord::discovery::kErrorKeyNotFound;
      a.message = "Key not found";
      return a;
    }
    a.action = "get";
    a.node = it->second;
    return a;
  }

  Result<KeysAnswer> create(const std::string& key, const std::string& value) override {
    if (down()) return Status::unavailable("connection refused");
    ++creates;
    KeysAnswer a;
    if (keys.count(key)) {
      a.error_code = coord::discovery::kErrorNodeExist;
      a.message = "Key already exists";
      return a;
    }
    put(key, value);
    a.action = "create";
    a.node = keys[key];
    return a;
  }

  Result<KeysAnswer> watch(const std::string& key, std::uint64_t wait_index, bool recursive) override {
    if (down()) return Status::unavailable("connection reset");
    for (int round = 0; round < 2; ++round) {
      for (const auto& [action, n] : events) {
        const bool match = recursive ? n.key.rfind(key + "/", 0) == 0 : n.key == key;
        if (match && (n.modified_index >= wait_index || stale_events)) {
          KeysAnswer a;
          a.action = action;
          a.node = n;
          return a;
        }
      }
      if (!on_idle_watch) break;
      auto f = std::move(on_idle_watch);
      f();
    }
    return Status::timeout("no event");
  }

 private:
  bool down() { return unreachable_calls > 0 && unreachable_calls-- > 0; }
};

struct Fixture {
  FakeService service;
  std::vector<std::chrono::milliseconds> slept;
  std::vector<std::string> log;

  Discovery make(std::uint64_t self_id) {
    DiscoveryOptions o;
    o.token_path = kToken;
    o.self_id = self_id;
    o.sleep = [this](std::chrono::milliseconds d) { slept.push_back(d); };
    o.log = [this](const std::string& line) { log.push_back(line); };
    return Discovery(service, o);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(discovery_protocol)

BOOST_FIXTURE_TEST_CASE(third_member__registers_and_gets_the_cluster_in_creation_order, Fixture) {
  service.put(kToken + "/_config/size", "3");
  service.register_member("b1", "b=http://10.0.0.2:2380");
  service.register_member("a1", "a=http://10.0.0.1:2380");
  auto d = make(0xc1);
  auto cluster = d.join_cluster("c=http://10.0.0.3:2380");
  BOOST_REQUIRE_MESSAGE(cluster.is_ok(), cluster.status().to_string());
  BOOST_TEST(*cluster == "b=http://10.0.0.2:2380,a=http://10.0.0.1:2380,c=http://10.0.0.3:2380");
  BOOST_TEST(service.keys.count(kToken + "/c1") == 1u);  // the id in etcd's hex
  BOOST_TEST(slept.empty());
}

BOOST_FIXTURE_TEST_CASE(first_member__waits_with_watches_for_the_others, Fixture) {
  service.put(kToken + "/_config/size", "3");
  service.on_idle_watch = [this] {
    service.put(kToken + "/_config/other", "not a member");  // ignored: not a registration
    service.register_member("b", "b=http://10.0.0.2:2380");
    service.on_idle_watch = [this] { service.register_member("c", "c=http://10.0.0.3:2380"); };
  };
  auto d = make(0xa);
  auto cluster = d.join_cluster("a=http://10.0.0.1:2380");
  BOOST_REQUIRE_MESSAGE(cluster.is_ok(), cluster.status().to_string());
  BOOST_TEST(*cluster == "a=http://10.0.0.1:2380,b=http://10.0.0.2:2380,c=http://10.0.0.3:2380");
}

BOOST_FIXTURE_TEST_CASE(full_cluster__refused_without_registering, Fixture) {
  service.put(kToken + "/_config/size", "2");
  service.register_member("a", "a=http://10.0.0.1:2380");
  service.register_member("b", "b=http://10.0.0.2:2380");
  auto d = make(0xc);
  auto joined = d.join_cluster("c=http://10.0.0.3:2380");
  BOOST_REQUIRE(!joined.is_ok());
  BOOST_TEST((joined.status().code() == StatusCode::kFailedPrecondition));
  BOOST_TEST(joined.status().message() == "discovery: cluster is full");
  BOOST_TEST(service.creates == 0);
  // A proxy gets the full cluster.
  auto proxy = make(0).get_cluster();
  BOOST_REQUIRE(proxy.is_ok());
  BOOST_TEST(*proxy == "a=http://10.0.0.1:2380,b=http://10.0.0.2:2380");
}

BOOST_FIXTURE_TEST_CASE(unreachable_service__backs_off_2_4_8_seconds_then_joins, Fixture) {
  service.put(kToken + "/_config/size", "1");
  service.unreachable_calls = 3;
  auto d = make(0xa);
  auto cluster = d.join_cluster("a=http://10.0.0.1:2380");
  BOOST_REQUIRE_MESSAGE(cluster.is_ok(), cluster.status().to_string());
  BOOST_TEST(slept == (std::vector<std::chrono::milliseconds>{std::chrono::seconds(2), std::chrono::seconds(4),
                                                              std::chrono::seconds(8)}),
             boost::test_tools::per_element());
  BOOST_TEST(Discovery::backoff(8) == std::chrono::milliseconds(std::chrono::seconds(256)));
  BOOST_TEST(Discovery::backoff(30) == std::chrono::milliseconds(std::chrono::seconds(256)));
}

BOOST_FIXTURE_TEST_CASE(registration_found_again__accepted_only_with_the_same_value, Fixture) {
  service.put(kToken + "/_config/size", "1");
  service.register_member("a", "a=http://10.0.0.1:2380");
  auto same = make(0xa).join_cluster("a=http://10.0.0.1:2380");
  BOOST_REQUIRE_MESSAGE(same.is_ok(), same.status().to_string());
  BOOST_TEST(*same == "a=http://10.0.0.1:2380");
  auto other = make(0xa).join_cluster("a=http://10.9.9.9:2380");
  BOOST_REQUIRE(!other.is_ok());
  BOOST_TEST((other.status().code() == StatusCode::kAlreadyExists));
  BOOST_TEST(other.status().message() == "discovery: found duplicate id");
}

BOOST_FIXTURE_TEST_CASE(bad_tokens__refused_in_etcds_words, Fixture) {
  auto missing = make(0xa).join_cluster("a=http://10.0.0.1:2380");
  BOOST_REQUIRE(!missing.is_ok());
  BOOST_TEST(missing.status().message() == "discovery: size key not found");
  for (const char* bad : {"three", "", "0", "-1", "3x"}) {
    service.keys.clear();
    service.put(kToken + "/_config/size", bad);
    auto r = make(0xa).join_cluster("a=http://10.0.0.1:2380");
    BOOST_REQUIRE(!r.is_ok());
    BOOST_TEST(r.status().message() == "discovery: size key is bad", "size \"" << bad << "\"");
  }
}

BOOST_FIXTURE_TEST_CASE(watch_answering_old_events__refused_instead_of_looping, Fixture) {
  service.put(kToken + "/_config/size", "2");
  service.stale_events = true;
  auto r = make(0xa).join_cluster("a=http://10.0.0.1:2380");
  BOOST_REQUIRE(!r.is_ok());
  BOOST_TEST(r.status().message() == "discovery: bad discovery endpoint");
}

BOOST_AUTO_TEST_CASE(nodes_to_cluster__checks_urls_and_names) {
  using coord::discovery::nodes_to_cluster;
  std::vector<KeysNode> nodes = {{"/t/a", "a=http://10.0.0.1:2380", false, 1, 1, {}},
                                 {"/t/b", "a=http://10.0.0.2:2380", false, 2, 2, {}}};
  auto duplicate = nodes_to_cluster(nodes, 2);
  BOOST_REQUIRE(!duplicate.is_ok());
  BOOST_TEST(duplicate.status().message() == "discovery: found duplicate name");
  nodes[1].value = "b=not-a-url";
  auto invalid = nodes_to_cluster(nodes, 2);
  BOOST_REQUIRE(!invalid.is_ok());
  BOOST_TEST(invalid.status().message() == "discovery: invalid URL");
}

BOOST_AUTO_TEST_SUITE_END()
