// The peer port under forged input: crafted bytes sent over raw sockets to the peer listener of
// a running 3-member coordd cluster by someone who knows only what any client learns (the
// cluster id, from X-Etcd-Cluster-Id, and the member ids, from /v2/members). Each case states
// the forgery and checks its answer, then that every member is still up and the cluster still
// commits writes, with the same leader and term where the forgery aimed at them; the last case
// restarts every member and checks that nothing poisoned their logs or snapshots.
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <coord/coord.hpp>

#include "server/common/coding.hpp"
#include "server/common/crc32c.hpp"
#include "test/support/client/server_fixture.hpp"
#include "test/support/process/eventually.hpp"
#include "test/support/process/server_cluster.hpp"

using namespace std::chrono_literals;
using coord::test::ServerCluster;
using coord::test::ServerKind;

namespace {

// ---------------------------------------------------------------- the wire, written by hand
// (server/raft/codec.hpp and server/transport/peer_wire.hpp describe these bytes).

enum Type : std::uint8_t {
  kHup = 0, kBeat = 1, kProp = 2, kApp = 3, kVote = 5, kSnap = 7, kHeartbeat = 8,
  kUnreachable = 10, kSnapStatus = 11, kCheckQuorum = 12, kTimeoutNow = 14,
};

struct Ent {
  std::uint64_t term = 0, index = 0;
  std::uint8_t type = 0;  // 0 normal, 1 conf change
  std::string data;
};

struct Msg {
  std::uint8_t type = kHeartbeat;
  std::uint64_t from = 0, to = 0, term = 0, log_term = 0, index = 0, commit = 0;
  std::vector<Ent> entries;
  bool has_snapshot = false;
  std::uint64_t snap_index = 0, snap_term = 0;
  std::vector<std::uint64_t> snap_voters;
  std::string snap_data;
};

std::string encode(const Msg& m) {
  std::string out;
  coord::Encoder e(out);
  e.put_u8(1);  // codec version
  e.put_u8(6);  // kind: message
  e.put_u8(m.type);
  for (std::uint64_t v : {m.from, m.to, m.term, m.log_term, m.index, m.commit}) e.put_u64(v);
  e.put_u8(0);   // reject
  e.put_u64(0);  // reject hint
  e.put_varint(m.entries.size());
  for (const Ent& x : m.entries) {
    e.put_u64(x.term);
    e.put_u64(x.index);
    e.put_u8(x.type);
    e.put_bytes(x.data);
  }
  e.put_u8(m.has_snapshot ? 1 : 0);
  if (m.has_snapshot) {
    e.put_u64(m.snap_index);
    e.put_u64(m.snap_term);
    e.put_varint(m.snap_voters.size());
    for (std::uint64_t v : m.snap_voters) e.put_u64(v);
    e.put_bytes(m.snap_data);
  }
  e.put_bytes("");  // context
  return out;
}

std::string batch_header(std::uint64_t count) {
  std::string out;
  coord::Encoder e(out);
  e.put_u32(0x5043524d);
  e.put_u8(1);
  e.put_varint(count);
  return out;
}

std::string batch(const std::vector<Msg>& ms) {
  std::string out = batch_header(ms.size());
  coord::Encoder e(out);
  for (const Msg& m : ms) e.put_bytes(encode(m));
  return out;
}

std::string frame(const std::string& batch_bytes) {
  std::string out;
  coord::Encoder e(out);
  e.put_u32(static_cast<std::uint32_t>(batch_bytes.size()));
  return out + batch_bytes;
}

// A snapshot file of the point `snap` names, holding `data`, as a leader stores and sends it
// (server/snap/snap_format.hpp): magic, version, header length, index, term, voters, data
// length; the data; CRC-32C of all that.
std::string snapshot_file(const Msg& snap, const std::string& data) {
  std::string out = "coordSNP";
  coord::Encoder e(out);
  e.put_u32(1);
  e.put_u32(static_cast<std::uint32_t>(8 + 4 + 4 + 8 + 8 + 4 + 8 * snap.snap_voters.size() + 8));
  e.put_u64(snap.snap_index);
  e.put_u64(snap.snap_term);
  e.put_u32(static_cast<std::uint32_t>(snap.snap_voters.size()));
  for (std::uint64_t v : snap.snap_voters) e.put_u64(v);
  e.put_u64(data.size());
  out += data;
  e.put_u32(coord::crc32c::extend(0, out.data(), out.size()));
  return out;
}

// ---------------------------------------------------------------- the cluster

ServerCluster& cluster() {
  static ServerCluster c(ServerKind::kCoordd, 3);
  static const bool started = c.start();
  BOOST_REQUIRE_MESSAGE(started, c.last_error());
  return c;
}

int port_of(const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); }

class Raw {
 public:
  explicit Raw(const std::string& url) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port_of(url)));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~Raw() { ::close(fd_); }
  Raw(const Raw&) = delete;
  Raw& operator=(const Raw&) = delete;
  void send(const std::string& data) {
    std::size_t off = 0;
    while (off < data.size()) {
      const auto n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;  // the server may close early; the caller checks the answer
      off += static_cast<std::size_t>(n);
    }
  }
  // Reads until a whole answer head arrived (plus its Content-Length of body), the connection
  // closes or `timeout` passes.
  std::string read_answer(std::chrono::milliseconds timeout = 5s) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[4096];
    for (;;) {
      const auto head_end = out.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const auto cl = out.find("Content-Length: ");
        const std::size_t body = cl == std::string::npos || cl > head_end ? 0 : std::stoul(out.substr(cl + 16));
        if (out.size() >= head_end + 4 + body) return out;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return out;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return out;
      const auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        return out;
      }
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
  // Everything that comes until the server closes the connection or `timeout` passes.
  std::string read_until_closed(std::chrono::milliseconds timeout = 10s) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[4096];
    while (!closed_) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      const auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) closed_ = true;
      else out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
  // True once the server closed the connection, waiting up to `timeout` for it.
  bool wait_closed(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[4096];
    while (!closed_) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      if (::recv(fd_, buf, sizeof buf, 0) <= 0) closed_ = true;
    }
    return closed_;
  }

 private:
  int fd_ = -1;
  bool closed_ = false;
};

int status_of(const std::string& answer) {
  if (answer.size() < 12 || answer.compare(0, 9, "HTTP/1.1 ") != 0) return 0;
  return std::stoi(answer.substr(9, 3));
}

std::string hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
  return buf;
}

// What anyone can learn from the client port and the peer port's /members.
struct Known {
  std::string cluster_id;
  std::vector<std::uint64_t> ids;  // by member index
};

Known& known() {
  static Known k = [] {
    Known out;
    Raw c(cluster().peer_url(0));
    c.send("GET /members HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const std::string answer = c.read_answer();
    const auto at = answer.find("X-Etcd-Cluster-Id: ");
    BOOST_REQUIRE(at != std::string::npos);
    out.cluster_id = answer.substr(at + 19, answer.find("\r\n", at) - at - 19);
    coord::Client client({.endpoints = cluster().client_urls()});
    const auto members = client.members();
    out.ids.resize(3);
    for (const auto& m : members) out.ids.at(static_cast<std::size_t>(m.name[1] - '0')) = std::stoull(m.id, nullptr, 16);
    return out;
  }();
  return k;
}

std::uint64_t id_of(int member) { return known().ids.at(static_cast<std::size_t>(member)); }

std::string peer_request(const std::string& method_target, const std::string& from, const std::string& body,
                         const std::string& cluster_id, const std::string& extra = "") {
  return method_target + " HTTP/1.1\r\nHost: x\r\nX-Etcd-Cluster-Id: " + cluster_id + "\r\nX-Server-From: " + from +
         "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n" + extra + "\r\n" + body;
}

// GET /raft/stream asking for the message stream upgrade in the name of `from`.
std::string stream_request(const std::string& from) {
  return peer_request("GET /raft/stream", from, "", known().cluster_id, "Upgrade: coord-raft-stream/1\r\n");
}

// POSTs `body` to member `to`'s /raft in the name of `from`; the answer's status.
int post(int to, const std::string& from, const std::string& body) {
  Raw c(cluster().peer_url(to));
  c.send(peer_request("POST /raft", from, body, known().cluster_id));
  return status_of(c.read_answer());
}
int post(int to, std::uint64_t from, const std::string& body) { return post(to, hex(from), body); }

struct Position {
  int leader = -1;
  std::uint64_t term = 0;
};

// The leader and the term, once a write commits through member 0 (waits for a leader).
Position commit_a_write() {
  auto leader = cluster().leader(10s);
  BOOST_REQUIRE_MESSAGE(leader, "no leader");
  coord::Client client({.endpoints = {cluster().client_url(*leader)}, .request_timeout = 10s});
  const auto r = client.set("/peer-hostile/probe", "v");
  return Position{*leader, r.raft_term};
}

// Every member runs and serves, and a write commits; returns where the cluster stands.
Position everyone_serves() {
  for (int i = 0; i < 3; ++i) {
    BOOST_REQUIRE_MESSAGE(cluster().running(i), "member " << i << " exited:\n" << cluster().log_tail(i));
    auto r = coord::test::http_get(cluster().client_url(i) + "/v2/keys/", 5s);
    BOOST_REQUIRE_MESSAGE(r && r->status == 200, "member " << i << " does not serve:\n" << cluster().log_tail(i));
  }
  return commit_a_write();
}

int follower_of(const Position& p) { return (p.leader + 1) % 3; }

std::set<std::string> files_in(const std::string& dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) out.insert(e.path().filename().string());
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(peer_hostile, *boost::unit_test::precondition(coord::test::ServerAvailable{ServerKind::kCoordd}))

BOOST_AUTO_TEST_CASE(headers__wrong_cluster_or_malformed_sender_refused_before_the_body) {
  const Position before = everyone_serves();
  const std::string body = batch({});
  Raw wrong(cluster().peer_url(0));
  wrong.send(peer_request("POST /raft", hex(id_of(1)), body, "deadbeef"));
  BOOST_TEST(status_of(wrong.read_answer()) == 412);
  const std::vector<std::string> malformed = {"zz", "0", "", hex(id_of(0)) /* its own */, std::string(17, '1')};
  for (const std::string& from : malformed)
    BOOST_TEST(post(0, from, body) == 400, "X-Server-From: " << from);
  BOOST_TEST(everyone_serves().leader == before.leader);
}

BOOST_AUTO_TEST_CASE(limits__head_checked_and_body_over_its_kind_refused_from_its_length) {
  const Position before = everyone_serves();
  // 3 GB announced, nothing sent: the answer comes from the Content-Length alone.
  Raw huge(cluster().peer_url(0));
  const std::string head = peer_request("POST /raft", hex(id_of(1)), "", known().cluster_id);
  huge.send(head.substr(0, head.find("Content-Length: ")) + "Content-Length: 3000000000\r\nConnection: close\r\n\r\n");
  BOOST_TEST(status_of(huge.read_answer()) == 413);
  // Heads are checked before any body byte is read: without this cluster's id, a body on the
  // old snapshot path is answered from the head alone (412), 2 GB there from its length (413,
  // over any peer body), and so are 9 MB announced on the pipeline path or 1 MB on a path that
  // carries no messages (413). No body follows any of these heads: an answer proves it came
  // from the head.
  auto announced = [&](const std::string& method_target, const std::string& cluster_id, const std::string& length) {
    Raw c(cluster().peer_url(0));
    const std::string h = peer_request(method_target, hex(id_of(1)), "", cluster_id);
    c.send(h.substr(0, h.find("Content-Length: ")) + "Content-Length: " + length + "\r\nConnection: close\r\n\r\n");
    return status_of(c.read_answer());
  };
  BOOST_TEST(announced("POST /raft/snapshot", "deadbeef", "4096") == 412);
  BOOST_TEST(announced("POST /raft/snapshot", known().cluster_id, "2000000000") == 413);  // over any peer body
  BOOST_TEST(announced("POST /raft", known().cluster_id, std::to_string(9u << 20)) == 413);
  BOOST_TEST(announced("GET /members", known().cluster_id, std::to_string(1u << 20)) == 413);
  // The previous builds' whole-snapshot body is refused from its head (a snapshot's data comes
  // on the snapshot stream only), whatever it announces or carries.
  BOOST_TEST(announced("POST /raft/snapshot", known().cluster_id, "4096") == 400);
  {
    Raw c(cluster().peer_url(0));
    c.send(peer_request("POST /raft/snapshot", hex(id_of(1)), batch({}), known().cluster_id));
    BOOST_TEST(status_of(c.read_answer()) == 400);
  }
  // 9 MB of pipeline messages (no snapshot): over their limit.
  const int target = follower_of(before);
  Msg app{.type = kApp, .from = id_of(before.leader), .to = id_of(target), .term = before.term};
  app.entries = {Ent{before.term, 1, 0, std::string(9u << 20, 'x')}};
  BOOST_TEST(post(target, app.from, batch({app})) == 413);
  // A message count the body cannot hold.
  std::string lying = batch_header(std::uint64_t{1} << 40) + std::string(64, '\0');
  BOOST_TEST(post(0, id_of(1), lying) == 400);
  BOOST_TEST(everyone_serves().leader == before.leader);
}

BOOST_AUTO_TEST_CASE(raft__local_types_term_zero_and_bad_indexes_leave_the_member_up) {
  const Position before = everyone_serves();
  const int target = follower_of(before);
  const std::uint64_t leader = id_of(before.leader);
  std::vector<Msg> forged;
  const std::uint64_t to = id_of(target);
  for (std::uint8_t t : {kHup, kBeat, kUnreachable, kSnapStatus, kCheckQuorum})
    forged.push_back(Msg{.type = t, .from = leader, .to = to});
  // Up to date, at term 0: granting it answered at term 0, which aborted the member.
  forged.push_back(Msg{.type = kVote, .from = leader, .to = to, .term = 0, .log_term = 0, .index = 1000000});
  forged.push_back(Msg{.type = kHeartbeat, .from = leader, .to = to, .term = 0, .commit = 1});
  // Commit index past the follower's log: aborted the member.
  forged.push_back(Msg{.type = kHeartbeat, .from = leader, .to = to, .term = before.term, .commit = 1u << 30});
  // Entries that do not follow m.index, with a commit past them: aborted the member.
  Msg gap{.type = kApp, .from = leader, .to = to, .term = before.term, .log_term = 0, .index = 0, .commit = 1u << 30};
  gap.entries = {Ent{before.term, 1000000, 0, ""}};
  forged.push_back(gap);
  // A timeout-now (campaign at once) from a member that does not lead.
  forged.push_back(Msg{.type = kTimeoutNow, .from = id_of(3 - target - before.leader), .to = to, .term = before.term});
  for (const Msg& m : forged) BOOST_TEST(post(target, m.from, batch({m})) == 204, "type " << int(m.type));
  const Position after = everyone_serves();
  BOOST_TEST(after.leader == before.leader);
  BOOST_TEST(after.term == before.term);
}

BOOST_AUTO_TEST_CASE(raft__vote_request_from_a_stranger_does_not_move_the_term) {
  const Position before = everyone_serves();
  const std::uint64_t stranger = 0x5eed5eed;
  for (int i = 0; i < 3; ++i) {
    // A log not ahead of the members': refused before the term comparison. (One claiming to be
    // ahead must be answered, as a member added after the log the receiver holds would be; a
    // live leader's lease keeps such requests from moving the term.)
    Msg vote{.type = kVote, .from = stranger, .to = id_of(i), .term = before.term + 100, .log_term = 1, .index = 1};
    BOOST_TEST(post(i, stranger, batch({vote})) == 204);
    vote.log_term = before.term + 100;
    vote.index = 1u << 30;
    BOOST_TEST(post(i, stranger, batch({vote})) == 204);
  }
  const Position after = everyone_serves();
  BOOST_TEST(after.term == before.term);
  BOOST_TEST(after.leader == before.leader);
}

BOOST_AUTO_TEST_CASE(proposal__that_does_not_decode_is_refused_before_the_leader_appends_it) {
  const Position before = everyone_serves();
  const int follower = follower_of(before);
  auto forwarded = [&](Ent e) {
    Msg m{.type = kProp, .from = id_of(follower), .to = id_of(before.leader)};
    m.entries = {std::move(e)};
    return post(before.leader, m.from, batch({m}));
  };
  BOOST_TEST(forwarded(Ent{0, 0, 0, "not a request"}) == 400);
  BOOST_TEST(forwarded(Ent{0, 0, 1, "not a conf change"}) == 400);
  BOOST_TEST(forwarded(Ent{0, 0, 7, "an unknown entry type"}) == 400);
  const Position after = everyone_serves();  // and the next write commits and applies everywhere
  BOOST_TEST(after.leader == before.leader);
}

BOOST_AUTO_TEST_CASE(snapshot__that_does_not_decode_is_refused_before_anything_is_written) {
  const Position before = everyone_serves();
  const int target = follower_of(before);
  const std::string snap_dir = cluster().dir() + "/m" + std::to_string(target) + ".data/member/snap";
  const auto files_before = files_in(snap_dir);
  Msg snap{.type = kSnap, .from = id_of(before.leader), .to = id_of(target), .term = before.term};
  snap.has_snapshot = true;
  snap.snap_index = 1u << 20;
  snap.snap_term = before.term;
  snap.snap_voters = {id_of(0), id_of(1), id_of(2)};
  std::sort(snap.snap_voters.begin(), snap.snap_voters.end());
  snap.snap_data = "not a store image";
  BOOST_TEST(post(target, snap.from, batch({snap})) == 400);
  BOOST_TEST((files_in(snap_dir) == files_before));
  const Position after = everyone_serves();
  BOOST_TEST(after.leader == before.leader);
}

BOOST_AUTO_TEST_CASE(snapshot_stream__lying_sizes_bad_files_and_a_sender_stopping_midway_leave_nothing_behind) {
  const Position before = everyone_serves();
  const int target = follower_of(before);
  const std::string snap_dir = cluster().dir() + "/m" + std::to_string(target) + ".data/member/snap";
  const auto files_before = files_in(snap_dir);
  Msg snap{.type = kSnap, .from = id_of(before.leader), .to = id_of(target), .term = before.term};
  snap.has_snapshot = true;
  snap.snap_index = 1u << 20;
  snap.snap_term = before.term;
  snap.snap_voters = {id_of(0), id_of(1), id_of(2)};
  std::sort(snap.snap_voters.begin(), snap.snap_voters.end());
  // The upgrade, the preamble announcing `file_bytes`, then `file`: the receiver's answer
  // status (0 when none came before the connection closed).
  auto stream = [&](std::uint64_t file_bytes, const std::string& file, bool close_early) {
    Raw c(cluster().peer_url(target));
    std::string preamble = frame(batch({snap}));
    coord::Encoder e(preamble);
    e.put_u64(file_bytes);
    c.send(peer_request("GET /raft/snapshot/stream", hex(snap.from), "", known().cluster_id,
                        "Upgrade: coord-raft-snapshot/2\r\n") +
           preamble + file);
    if (close_early) return -1;
    const std::string in = c.read_until_closed();
    const auto head_end = in.find("\r\n\r\n");
    if (status_of(in) != 101 || head_end == std::string::npos || in.size() < head_end + 8) return 0;
    return static_cast<unsigned char>(in[head_end + 4]) | (static_cast<unsigned char>(in[head_end + 5]) << 8);
  };
  BOOST_TEST(stream(std::uint64_t{1} << 40, "", false) == 400);          // over the limit: refused before any byte
  BOOST_TEST(stream(2000, std::string(2000, 'x'), false) == 400);        // not a snapshot file
  BOOST_TEST(stream(10, std::string(20, '\0'), false) == 400);            // too short for any snapshot file
  // Header and CRC right, the data no store image: refused by the check of the data (off the io
  // threads, SnapshotStreamReceiver::complete), before the file is put in place.
  const std::string sound_file = snapshot_file(snap, "not a store image");
  BOOST_TEST(stream(sound_file.size(), sound_file, false) == 400);
  BOOST_TEST(cluster().log_tail(target).find("snapshot data does not decode") != std::string::npos);
  stream(100000, std::string(1000, '\0'), true);                          // a sender that stops midway
  // Its temp file goes as soon as the receiver sees the connection close.
  BOOST_TEST(coord::test::eventually([&] { return files_in(snap_dir) == files_before; }, 5s));
  const Position after = everyone_serves();
  BOOST_TEST(after.leader == before.leader);
}

BOOST_AUTO_TEST_CASE(stream__in_a_members_name_does_not_replace_its_live_stream) {
  const Position before = everyone_serves();
  const int target = follower_of(before);
  // The leader's own stream to `target` carries heartbeats: it is live. Forged streams in its
  // name get the room left (kMaxStreamsPerPeer = 4, one taken), then 503.
  std::vector<std::unique_ptr<Raw>> forged;
  int upgraded = 0, refused = 0;
  for (int i = 0; i < 5; ++i) {
    auto c = std::make_unique<Raw>(cluster().peer_url(target));
    c->send(stream_request(hex(id_of(before.leader))));
    const int status = status_of(c->read_answer());
    BOOST_TEST((status == 101 || status == 503), "status " << status);
    upgraded += status == 101 ? 1 : 0;
    refused += status == 503 ? 1 : 0;
    forged.push_back(std::move(c));
  }
  BOOST_TEST(upgraded <= 3);
  BOOST_TEST(refused >= 2);
  const Position after = everyone_serves();  // the leader still reaches `target`
  BOOST_TEST(after.leader == before.leader);
  BOOST_TEST(after.term == before.term);
  // A frame on a forged stream carrying a message in another member's name closes it.
  Raw liar(cluster().peer_url(target));
  const int other = 3 - target - before.leader;
  liar.send(stream_request(hex(id_of(other))));
  BOOST_REQUIRE(status_of(liar.read_answer()) == 101);
  const Msg in_leaders_name{.type = kHeartbeat, .from = id_of(before.leader), .to = id_of(target), .term = before.term};
  liar.send(frame(batch({in_leaders_name})));
  BOOST_TEST(liar.wait_closed(5s));
}

BOOST_AUTO_TEST_CASE(stream__an_idle_one_gives_its_place_to_a_new_one) {
  // A peer whose old connection died unnoticed must get back in once its place is full: the
  // stream idle longest (kStreamIdleEviction, 5 s) is closed for the newcomer.
  const Position before = everyone_serves();
  const int target = follower_of(before);
  const std::string claimed = hex(id_of(3 - target - before.leader));
  auto open = [&] {
    auto c = std::make_unique<Raw>(cluster().peer_url(target));
    c->send(stream_request(claimed));
    return std::make_pair(status_of(c->read_answer()), std::move(c));
  };
  std::vector<std::unique_ptr<Raw>> idle;
  for (int i = 0; i < 4; ++i) {
    auto [status, c] = open();
    if (status == 101) idle.push_back(std::move(c));
  }
  BOOST_REQUIRE(!idle.empty());
  BOOST_TEST(open().first == 503);  // full, and nothing idle long enough yet
  // Retried until a place frees (bounded wait on the condition).
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  int status = 0;
  std::unique_ptr<Raw> newcomer;
  while (status != 101 && std::chrono::steady_clock::now() < deadline) {
    auto [s, c] = open();
    status = s;
    newcomer = std::move(c);
    if (status == 101) break;
    BOOST_REQUIRE(newcomer->wait_closed(1s));  // the 503 ends its connection
    // Paces the retries: none of the idle streams may close before a newcomer takes a place.
    BOOST_REQUIRE(!idle.back()->wait_closed(100ms));
  }
  BOOST_TEST(status == 101);
  int evicted = 0;
  for (auto& c : idle) evicted += c->wait_closed(100ms) ? 1 : 0;
  // One place was freed: one of ours, or the member's own idle stream (older still) if it had one.
  BOOST_TEST(evicted <= 1);
  everyone_serves();
}

BOOST_AUTO_TEST_CASE(stream__from_strangers_is_bounded_whatever_ids_they_claim) {
  everyone_serves();
  std::vector<std::unique_ptr<Raw>> held;
  int refused = 0;
  for (std::uint64_t i = 0; i < 12; ++i) {
    auto c = std::make_unique<Raw>(cluster().peer_url(0));
    c->send(stream_request(hex(0xabc000 + i)));
    const int status = status_of(c->read_answer());
    BOOST_TEST((status == 101 || status == 503));
    refused += status == 503 ? 1 : 0;
    held.push_back(std::move(c));
  }
  BOOST_TEST(refused >= 4);  // at most 8 held
  everyone_serves();
}

BOOST_AUTO_TEST_CASE(restart__every_member_comes_back_cleanly_after_all_of_the_above) {
  everyone_serves();
  for (int i = 0; i < 3; ++i) cluster().kill(i);
  BOOST_REQUIRE_MESSAGE(cluster().restart_all_stopped(), cluster().last_error());
  everyone_serves();
  for (int i = 0; i < 3; ++i) {
    coord::Client client({.endpoints = {cluster().client_url(i)}, .request_timeout = 10s});
    BOOST_TEST(*client.get("/peer-hostile/probe", {.quorum = true}).node.value == "v");
  }
}

BOOST_AUTO_TEST_SUITE_END()
