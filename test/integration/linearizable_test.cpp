// Linearizability of a 3-member coordd cluster under member faults, checked on the recorded
// history (test/support/history/). Four clients run sets, compare-and-swaps, creates, deletes
// and quorum gets on three keys, each through one member over raw HTTP, while the test freezes
// the leader (SIGSTOP) past the election timeout and thaws it, kills the leader with SIGKILL and
// restarts it, and kills and restarts a follower. A request that got no answer is indeterminate:
// it may have taken effect or not. After the faults every member answers a quorum get of every
// key, so a write acknowledged and then lost fails the check like any stale read.
//
// What must hold: the whole history is linearizable (with the v2 key model), and every client
// got answers in every phase (the cluster made progress through each fault).
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "test/support/process/eventually.hpp"
#include "test/support/history/linearizability.hpp"
#include "test/support/history/v2_key_model.hpp"
#include "test/support/process/http_probe.hpp"
#include "test/support/process/server_cluster.hpp"

using namespace std::chrono_literals;
namespace history = coord::test::history;
using Model = history::V2KeyModel;
using Kind = Model::Kind;
using Op = history::Operation<Model>;

namespace {

const std::vector<std::string> kKeys = {"lin/a", "lin/b", "lin/c"};

std::string form_escape(const std::string& v) {
  std::string out;
  for (unsigned char c : v) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_') out += static_cast<char>(c);
    else {
      static const char* hex = "0123456789ABCDEF";
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// What the answer says, in the model's terms; nullopt when the answer does not settle the
// outcome (no answer, or a server error such as a proposal that timed out in raft).
std::optional<Model::Output> interpret(const Model::Input& in, const std::optional<coord::test::HttpReply>& reply) {
  if (!reply) return std::nullopt;
  boost::system::error_code ec;
  auto json = boost::json::parse(reply->body, ec);
  if (ec || !json.is_object()) return std::nullopt;
  const auto& o = json.as_object();
  if (reply->status == 200 || reply->status == 201) {
    if (in.kind != Kind::get) return Model::success();
    const auto* node = o.if_contains("node");
    if (node == nullptr || !node->is_object() || !node->as_object().contains("value")) return std::nullopt;
    return Model::success(std::string(node->as_object().at("value").as_string()));
  }
  const auto* code = o.if_contains("errorCode");
  if (code == nullptr || !code->is_int64()) return std::nullopt;
  const int c = static_cast<int>(code->as_int64());
  if (c == 100 || c == 101 || c == 105) return Model::failure(c);
  return std::nullopt;  // 300 raft internal, 301 leader election, ...: outcome unknown
}

// One client: operations through member `home` (the next member when home refuses the
// connection), recorded in `out`. Runs until `stop`.
class Client {
 public:
  Client(int id, const coord::test::ServerCluster& cluster, int home) : id_(id), cluster_(cluster), home_(home) {}

  void run(const std::atomic<bool>& stop, std::atomic<long>& answered) {
    std::mt19937 rng(static_cast<unsigned>(id_ * 7919 + 17));
    int seq = 0;
    while (!stop) {
      Model::Input in;
      in.key = kKeys[rng() % kKeys.size()];
      const auto roll = rng() % 10;
      in.kind = roll < 3 ? Kind::set : roll < 5 ? Kind::cas : roll < 6 ? Kind::create : roll < 7 ? Kind::remove : Kind::get;
      in.value = "c" + std::to_string(id_) + "-" + std::to_string(++seq);
      if (in.kind == Kind::cas) in.expected = last_read_[in.key];
      if (execute(in)) answered.fetch_add(1);
    }
  }

  // Runs one operation and records it; returns whether it got a settled answer.
  bool execute(const Model::Input& in) {
    for (int attempt = 0; attempt < cluster_.size(); ++attempt) {
      const int member = (home_ + attempt) % cluster_.size();
      std::string method = "GET", url = cluster_.client_url(member) + "/v2/keys/" + in.key, form;
      switch (in.kind) {
        case Kind::set: method = "PUT"; form = "value=" + form_escape(in.value); break;
        case Kind::cas:
          method = "PUT";
          form = "value=" + form_escape(in.value) + "&prevValue=" + form_escape(in.expected);
          break;
        case Kind::create: method = "PUT"; form = "value=" + form_escape(in.value) + "&prevExist=false"; break;
        case Kind::remove: method = "DELETE"; break;
        case Kind::get: url += "?quorum=true"; break;
      }
      Op op;
      op.client = id_;
      op.input = in;
      op.call = history::Clock::now();
      bool sent = false;
      auto reply = coord::test::http_request(method, url, form, 3s, &sent);
      op.ret = history::Clock::now();
      if (!sent) continue;  // never reached a member: try the next one
      auto outcome = interpret(in, reply);
      if (outcome) {
        op.output = *outcome;
        if (in.kind == Kind::get && outcome->value) last_read_[in.key] = *outcome->value;
      } else {
        if (in.kind == Kind::get) return false;  // a read without an answer changed nothing
        op.indeterminate = true;
      }
      ops_.push_back(std::move(op));
      return outcome.has_value();
    }
    return false;
  }

  const std::vector<Op>& ops() const { return ops_; }

 private:
  int id_;
  const coord::test::ServerCluster& cluster_;
  int home_;
  std::map<std::string, std::string> last_read_;
  std::vector<Op> ops_;
};

using coord::test::eventually;

std::string describe(const std::vector<Op>& all, const history::CheckResult& r) {
  std::ostringstream out;
  out << "not linearizable on key " << r.partition << "; longest explained prefix (" << r.longest_order.size()
      << " ops) ends with:";
  const std::size_t from = r.longest_order.size() > 8 ? r.longest_order.size() - 8 : 0;
  for (std::size_t i = from; i < r.longest_order.size(); ++i) {
    const auto& o = all[r.longest_order[i]];
    out << "\n  client " << o.client << " kind " << static_cast<int>(o.input.kind) << " value " << o.input.value
        << (o.indeterminate ? " (indeterminate)" : o.output.ok ? " ok" : " error " + std::to_string(o.output.error_code));
  }
  return out.str();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(linearizable)

BOOST_AUTO_TEST_CASE(history_stays_linearizable_through_freeze_kill_and_restart_of_members) {
  std::string why;
  if (!coord::test::server_binary(coord::test::ServerKind::kCoordd, &why)) {
    BOOST_FAIL("coordd not found: " << why);
  }
  coord::test::ClusterOptions options;
  options.heartbeat_ms = 50;
  options.election_ms = 500;
  coord::test::ServerCluster cluster(coord::test::ServerKind::kCoordd, 3, options);
  BOOST_REQUIRE_MESSAGE(cluster.start(), cluster.last_error());

  std::atomic<bool> stop{false};
  std::atomic<long> answered{0};
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 4; ++i) clients.push_back(std::make_unique<Client>(i, cluster, i % 3));
  std::vector<std::thread> threads;
  for (auto& c : clients) threads.emplace_back([&, raw = c.get()] { raw->run(stop, answered); });
  auto stop_clients = [&] {
    stop = true;
    for (auto& t : threads) t.join();
    threads.clear();
  };
  // Each phase must see the clients make progress: `n` more settled answers.
  auto progress = [&](long n) {
    const long target = answered.load() + n;
    return eventually([&] { return answered.load() >= target; }, 30s);
  };

  bool ok = progress(100);
  std::optional<int> leader = cluster.leader();
  if (ok && leader) {
    // Fault 1: the leader freezes past the election timeout; the others elect a new one.
    cluster.freeze(*leader);
    ok = eventually([&] {
      auto l = cluster.leader(200ms);
      return l && *l != *leader;
    }, 20s) && progress(50);
    cluster.thaw(*leader);
  }
  if (ok) ok = progress(50);
  leader = ok ? cluster.leader() : std::nullopt;
  if (ok && leader) {
    // Fault 2: the leader is killed, then restarted on its data.
    cluster.kill(*leader);
    ok = progress(50) && cluster.restart(*leader) && progress(50);
  }
  leader = ok ? cluster.leader() : std::nullopt;
  if (ok && leader) {
    // Fault 3: a follower is killed, then restarted.
    const int follower = (*leader + 1) % cluster.size();
    cluster.kill(follower);
    ok = progress(50) && cluster.restart(follower) && progress(50);
  }
  stop_clients();
  BOOST_REQUIRE_MESSAGE(ok, "the cluster stopped making progress during a fault (" << answered.load()
                                << " answers); leader log:\n" << cluster.log_tail(leader.value_or(0)));

  // Every member answers a quorum get of every key, as the last operations of the history.
  std::vector<Op> final_reads;
  for (int m = 0; m < cluster.size(); ++m) {
    Client reader(100 + m, cluster, m);
    for (const auto& key : kKeys) {
      Model::Input in;
      in.kind = Kind::get;
      in.key = key;
      BOOST_TEST(reader.execute(in), "member " << m << " answers a quorum get of " << key);
    }
    final_reads.insert(final_reads.end(), reader.ops().begin(), reader.ops().end());
  }

  std::vector<Op> all;
  int indeterminate = 0;
  for (const auto& c : clients) {
    for (const auto& op : c->ops()) {
      all.push_back(op);
      indeterminate += op.indeterminate ? 1 : 0;
    }
  }
  all.insert(all.end(), final_reads.begin(), final_reads.end());
  const auto result = history::check<Model>(all);
  BOOST_TEST_MESSAGE("linearizability: " << all.size() << " operations (" << indeterminate << " indeterminate), "
                                          << result.states_explored << " states explored");
  BOOST_TEST(result.linearizable, describe(all, result));
}

BOOST_AUTO_TEST_SUITE_END()
