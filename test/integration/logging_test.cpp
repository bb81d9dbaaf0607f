// coordd's log as an operator reads it: a real 3-member cluster started with `--logger zap
// --log-outputs FILE` writes JSON lines only, one object per line with etcd's level/ts/msg.
// Fault: the leader is killed (SIGKILL). What must hold after it: the survivors' logs say that
// the leader became unreachable, that an election happened, and who leads now in a later term;
// the update of the dead member's peer URL that follows is logged by every survivor, as the
// bootstrap's additions were; each member logged its configuration at start and each peer it
// reached (before the kill); and no line of any member holds a key's value, a user's password or the credentials of an
// Authorization header the test sent.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "coord/client.hpp"
#include "test/support/process/eventually.hpp"
#include "test/support/process/http_probe.hpp"
#include "test/support/process/process.hpp"
#include "test/support/net/raw_connection.hpp"
#include "test/support/process/server_cluster.hpp"

using namespace std::chrono_literals;
using coord::test::eventually;
using coord::test::ServerCluster;
using coord::test::ServerKind;

namespace {

const std::string kSecretValue = "value-that-must-never-be-logged-7f3a";
const std::string kSecretPassword = "password-that-must-never-be-logged-9c1e";

struct LogLine {
  std::string raw;
  boost::json::object json;  // empty when the line is not a JSON object
};

std::vector<LogLine> read_log(const std::string& path) {
  std::vector<LogLine> out;
  std::ifstream in(path);
  for (std::string l; std::getline(in, l);) {
    LogLine line{l, {}};
    boost::system::error_code ec;
    auto v = boost::json::parse(l, ec);
    if (!ec && v.is_object()) line.json = v.as_object();
    out.push_back(std::move(line));
  }
  return out;
}

std::string text(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t number(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->as_int64() : -1;
}

// The first line of `lines` whose msg is `msg` and for which `also` holds.
template <typename Pred>
std::optional<boost::json::object> find(const std::vector<LogLine>& lines, const std::string& msg, Pred also) {
  for (const auto& l : lines)
    if (text(l.json, "msg") == msg && also(l.json)) return l.json;
  return std::nullopt;
}

std::optional<boost::json::object> find(const std::vector<LogLine>& lines, const std::string& msg) {
  return find(lines, msg, [](const boost::json::object&) { return true; });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(logging)

BOOST_AUTO_TEST_CASE(zap_file_output__leader_killed__election_unreachable_peer_and_membership_logged_and_no_secret) {
  coord::test::ClusterOptions options;
  options.heartbeat_ms = 50;
  options.election_ms = 500;
  options.extra_args = {"--logger", "zap"};
  ServerCluster c(ServerKind::kCoordd, 3, options);
  std::vector<std::string> paths;
  for (int i = 0; i < 3; ++i) {
    paths.push_back(c.dir() + "/member" + std::to_string(i) + ".jsonl");
    c.set_member_args(i, {"--log-outputs", paths.back()});
  }
  BOOST_REQUIRE_MESSAGE(c.start(), c.last_error());

  // A value, a user with a password, and a request carrying that password in its
  // Authorization header: none of them may reach a log.
  {
    coord::ClientOptions o;
    o.endpoints = c.client_urls();
    coord::Client client(o);
    client.set("/logging/secret", kSecretValue);
  }
  const auto created = coord::test::http_request(
      "PUT", c.client_url(0) + "/v2/auth/users/root", R"({"user":"root","password":")" + kSecretPassword + R"("})", 5s);
  BOOST_REQUIRE(created);
  BOOST_TEST(created->status == 201, created->body);
  {
    coord::ClientOptions o;
    o.endpoints = c.client_urls();
    o.username = "root";
    o.password = kSecretPassword;
    coord::Client client(o);
    client.set("/logging/with-credentials", kSecretValue);
  }

  const auto leader = c.leader();
  BOOST_REQUIRE(leader);
  // The configuration at start (paths and URLs, as etcd's "starting an etcd server"), and each
  // link between the leader and a follower becoming reachable (both ways), in etcd's words.
  // (Two followers connect once they have something to say to each other.)
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    const auto lines = read_log(paths[i]);
    const auto started = find(lines, "starting coordd");
    BOOST_REQUIRE_MESSAGE(started, "member " << i << " did not log its configuration");
    BOOST_TEST(text(*started, "name") == "m" + std::to_string(i));
    BOOST_TEST(text(*started, "data-dir") == c.dir() + "/m" + std::to_string(i) + ".data");
    BOOST_TEST(text(*started, "listen-client-urls") == c.client_url(i));
    BOOST_TEST(text(*started, "listen-peer-urls") == c.peer_url(i));
    const auto self = find(lines, "starting local member");
    BOOST_REQUIRE(self);
    ids.push_back(text(*self, "local-member-id"));
  }
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      if (i == j || (i != *leader && j != *leader)) continue;
      const auto peer_is = [&](const auto& o) { return text(o, "peer-id") == ids[j]; };
      BOOST_TEST(eventually([&] { return find(read_log(paths[i]), "peer became active", peer_is).has_value(); }, 5s),
                 "member " << i << " did not log reaching member " << j);
    }

  const auto before = read_log(paths[*leader]);
  const auto won = find(before, "won election: became leader");
  BOOST_REQUIRE_MESSAGE(won, "the leader did not log its election");
  const std::int64_t old_term = number(*won, "term");
  const auto self = find(before, "starting local member");
  BOOST_REQUIRE(self);
  const std::string old_leader_id = text(*self, "local-member-id");
  BOOST_REQUIRE_EQUAL(old_leader_id.size(), 16u);

  c.kill(*leader);
  const auto next = c.leader(10s);
  BOOST_REQUIRE_MESSAGE(next, "no new leader");
  const auto next_self = find(read_log(paths[*next]), "starting local member");
  BOOST_REQUIRE(next_self);
  const std::string new_leader_id = text(*next_self, "local-member-id");

  for (int i = 0; i < 3; ++i) {
    if (i == *leader) continue;
    // The log is written as things happen: wait for the lines, not for a time.
    const bool logged = eventually(
        [&] {
          const auto lines = read_log(paths[i]);
          const bool unreachable = find(lines, "peer became inactive (message send to peer failed)", [&](const auto& o) {
                                     return text(o, "peer-id") == old_leader_id && text(o, "level") == "warn";
                                   }).has_value();
          const bool new_leader = find(lines, "changed leader", [&](const auto& o) {
                                    return text(o, "leader-id") == new_leader_id && number(o, "term") > old_term;
                                  }).has_value() ||
                                  find(lines, "elected leader", [&](const auto& o) {
                                    return text(o, "leader-id") == new_leader_id && number(o, "term") > old_term;
                                  }).has_value();
          return unreachable && new_leader;
        },
        10s);
    BOOST_TEST(logged, "member " << i << " did not log the unreachable leader and the new one");
  }
  // A membership change, applied on every survivor: the dead member's peer URL is updated.
  // (Removing it would be refused this soon after the start: the reconfiguration check wants
  // the remaining peers connected for 5 s.)
  {
    const std::string body = R"({"peerURLs":["http://127.0.0.1:1"]})";
    coord::test::RawConnection conn(c.client_url(*next));
    BOOST_REQUIRE(conn.send("PUT /v2/members/" + old_leader_id + " HTTP/1.1\r\nHost: coordd\r\nContent-Type: application/json\r\n"
                            "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body));
    const std::string answer = conn.read_answer(5s);
    BOOST_REQUIRE_MESSAGE(coord::test::status_line(answer).find(" 204") != std::string::npos, answer);
  }
  for (int i = 0; i < 3; ++i) {
    if (i == *leader) continue;
    const auto member_is = [&](const std::string& id) { return [id](const auto& o) { return text(o, "member-id") == id; }; };
    BOOST_TEST(eventually([&] { return find(read_log(paths[i]), "updated member", member_is(old_leader_id)).has_value(); }, 5s),
               "member " << i << " did not log the update");
    const auto lines = read_log(paths[i]);
    const auto updated = find(lines, "updated member", member_is(old_leader_id));
    BOOST_REQUIRE(updated);
    BOOST_TEST(text(*updated, "peer-urls") == "http://127.0.0.1:1");
    // The bootstrap added all three, each once.
    for (int j = 0; j < 3; ++j) {
      const auto id = text(*find(read_log(paths[j]), "starting local member"), "local-member-id");
      BOOST_TEST(find(lines, "added member", member_is(id)).has_value(), "member " << i << " did not log adding " << id);
    }
  }
  const auto next_lines = read_log(paths[*next]);
  // It campaigned, so it had first lost the old leader.
  BOOST_TEST(find(next_lines, "lost leader", [&](const auto& o) { return text(o, "lost-leader-id") == old_leader_id; }).has_value());
  BOOST_TEST(find(next_lines, "starting a new election", [&](const auto& o) { return number(o, "term") > old_term; }).has_value());
  BOOST_TEST(find(next_lines, "won election: became leader", [&](const auto& o) { return number(o, "term") > old_term; }).has_value());

  for (int i = 0; i < 3; ++i) {
    const auto lines = read_log(paths[i]);
    BOOST_TEST(lines.size() > 5u, "member " << i << " logged almost nothing");
    for (const auto& l : lines) {
      BOOST_TEST(!l.json.empty(), "not a JSON object: " << l.raw);
      BOOST_TEST((l.json.contains("level") && l.json.contains("ts") && l.json.contains("msg")), l.raw);
      BOOST_TEST(l.raw.find(kSecretValue) == std::string::npos, l.raw);
      BOOST_TEST(l.raw.find(kSecretPassword) == std::string::npos, l.raw);
      BOOST_TEST(l.raw.find("Basic ") == std::string::npos, l.raw);
    }
  }
}

// Fault: a member stopped after a snapshot, whose last WAL segment then gets bytes of a record
// that was never finished after its last record (a write cut short). The records themselves stay
// whole: garbling the last one could take the snapshot's marker, which a graceful stop may write
// last, and with it the snapshot. What must hold: its log says why it stopped (SIGTERM), and after the restart that the
// snapshot was saved (index, size, duration), the WAL tail was repaired, and the store was
// recovered from the snapshot.
BOOST_AUTO_TEST_CASE(restart_after_a_torn_wal_tail__snapshot_and_repair_logged) {
  coord::test::ClusterOptions options;
  options.heartbeat_ms = 50;
  options.election_ms = 500;
  options.extra_args = {"--logger", "zap", "--snapshot-count", "5"};
  ServerCluster c(ServerKind::kCoordd, 1, options);
  const std::string path = c.dir() + "/member0.jsonl";
  c.set_member_args(0, {"--log-outputs", path});
  BOOST_REQUIRE_MESSAGE(c.start(), c.last_error());
  {
    coord::ClientOptions o;
    o.endpoints = c.client_urls();
    coord::Client client(o);
    for (int i = 0; i < 12; ++i) client.set("/logging/k" + std::to_string(i), "v");
  }
  const auto saved = [&] { return find(read_log(path), "saved snapshot"); };
  BOOST_REQUIRE(eventually([&] { return saved().has_value(); }, 10s));
  BOOST_TEST(number(*saved(), "snapshot-index") >= 5);
  BOOST_TEST(number(*saved(), "snapshot-size-bytes") > 0);
  BOOST_TEST(!text(*saved(), "took").empty());
  c.terminate(0);
  {
    const auto stopping = read_log(path);
    BOOST_TEST(find(stopping, "received signal; shutting down", [](const auto& o) { return text(o, "signal") == "terminated"; })
                   .has_value());
    BOOST_TEST(find(stopping, "stopped serving", [](const auto& o) { return text(o, "reason") == "signal"; }).has_value());
  }

  std::vector<std::filesystem::path> segments;
  for (const auto& e : std::filesystem::directory_iterator(c.dir() + "/m0.data/member/wal"))
    if (e.path().extension() == ".wal") segments.push_back(e.path());
  BOOST_REQUIRE(!segments.empty());
  std::sort(segments.begin(), segments.end());
  {
    std::fstream f(segments.back(), std::ios::in | std::ios::out | std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const auto end = bytes.find_last_not_of('\0');
    BOOST_REQUIRE(end != std::string::npos);
    // Past the last record (which may end in zero bytes, so well past its last non-zero one).
    const auto garbage_at = (end / 8 + 1) * 8 + 4096;
    BOOST_REQUIRE(garbage_at + 16 < bytes.size());
    f.seekp(static_cast<std::streamoff>(garbage_at));
    f << std::string(16, 'X');
  }
  BOOST_REQUIRE_MESSAGE(c.restart(0), c.last_error());
  const auto lines = read_log(path);
  const auto repaired = find(lines, "repaired the WAL's torn tail");
  BOOST_REQUIRE_MESSAGE(repaired, "no repair logged");
  BOOST_TEST(text(*repaired, "segment") == segments.back().string());
  BOOST_TEST(text(*repaired, "level") == "warn");
  BOOST_TEST(find(lines, "recovered store from snapshot", [&](const auto& o) { return number(o, "snapshot-index") >= 5; })
                 .has_value());
}

// Fault: a disk whose every fdatasync takes 1.05 s (failpoint fdatasync=stall). What must hold:
// the member warns as etcd does ("slow fdatasync", over 1 s), in the default layout (capnslog
// text lines on stderr).
BOOST_AUTO_TEST_CASE(slow_disk__slow_fdatasync_warned_in_the_default_text_layout) {
  auto binary = coord::test::server_binary(ServerKind::kCoordd);
  BOOST_REQUIRE(binary);
  coord::test::TempDir dir;
  const int client = coord::test::free_port(), peer = coord::test::free_port();
  const std::string peer_url = "http://127.0.0.1:" + std::to_string(peer);
  coord::test::Process member({*binary, "--data-dir", dir.file("data"), "--listen-client-urls",
                               "http://127.0.0.1:" + std::to_string(client), "--advertise-client-urls",
                               "http://127.0.0.1:" + std::to_string(client), "--listen-peer-urls", peer_url,
                               "--initial-advertise-peer-urls", peer_url, "--initial-cluster", "default=" + peer_url},
                              dir.file("coordd.log"), {"COORD_FAILPOINTS=fdatasync=stall:1050"});
  const std::regex warning(R"(\n\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} W \| coordd: slow fdatasync, took: 1\.\d+s, expected-duration: 1s\n)");
  BOOST_TEST(eventually([&] { return std::regex_search(member.log_tail(), warning); }, 10s), member.log_tail());
}

BOOST_AUTO_TEST_CASE(bad_log_output__refused_at_start_in_etcds_words) {
  auto binary = coord::test::server_binary(ServerKind::kCoordd);
  BOOST_REQUIRE(binary);
  coord::test::ClusterOptions options;
  options.extra_args = {"--logger", "zap", "--log-outputs", "/nonexistent-dir/coordd.log"};
  options.ready_timeout = 5s;
  ServerCluster c(ServerKind::kCoordd, 1, options);
  BOOST_REQUIRE(!c.start());
  BOOST_TEST(eventually([&] { return c.log_tail(0).find("open sink \"/nonexistent-dir/coordd.log\"") != std::string::npos; }, 5s),
             c.log_tail(0));
}

BOOST_AUTO_TEST_SUITE_END()
