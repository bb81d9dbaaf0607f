// coord::test::LinkRelays — one loopback TCP relay in front of each cluster member's peer
// listener, so a fault test can cut, delay and drop the raft traffic of each directed link
// (from member A to member B) on its own. Members advertise the relays' URLs as their peer URLs
// and listen behind them. A coordd member sends its raft messages to B over connections it dials
// to B's peer URL, and each such connection opens with a request that names the sender in
// `X-Server-From: <member id hex>`; B's relay reads that head and from then on treats the
// connection's bytes toward B as link A→B. The bytes back to A on that connection (the 101 of the
// stream upgrade, a snapshot's answer) are transport, not messages, and always pass: B's own
// messages to A travel on connections B dials to A's relay.
//
// Per link:
//   - cut(A, B, kClose): the link's open connections are closed and new ones are closed as soon
//     as their head names A (a refusal; the sender backs off and retries);
//   - cut(A, B, kFreeze): nothing more goes from A to B, connections stay open and new ones hang
//     after their head (a black hole; what was held is delivered, in order, once healed);
//   - set_delay(A, B, base, jitter): each chunk waits base + uniform[0, jitter] (order is kept);
//   - set_drop(A, B, p): each chunk closes its connection instead, with probability p.
// A connection whose head names no known member (not a raft sender) is never faulted.
//
// Thread-safety: every method is safe from any thread; the relays run on one I/O thread of their
// own, and each control call returns once that thread applied it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace coord::test {

class LinkRelays {
 public:
  enum class CutMode { kClose, kFreeze };

  // Starts one relay per entry of `target_ports` (member i's own peer port on 127.0.0.1),
  // relay i listening on 127.0.0.1:listen_ports[i] (0: a port the kernel picks — which the
  // kernel may also hand to anyone else who asks for a free port, so a test that takes its
  // members' ports from free_port() passes ports from it here too). `seed` drives the jitter
  // and the drops.
  LinkRelays(const std::vector<int>& target_ports, const std::vector<int>& listen_ports, std::uint32_t seed = 1);
  ~LinkRelays();
  LinkRelays(const LinkRelays&) = delete;
  LinkRelays& operator=(const LinkRelays&) = delete;

  int size() const;
  // "http://127.0.0.1:<relay port of member i>": member i's advertised peer URL.
  std::string url(int member) const;
  // Tells the relays which member id (as the members API prints it, hex) member i has.
  void set_member_id(int member, const std::string& id_hex);

  void cut(int from, int to, CutMode mode = CutMode::kClose);
  void cut_both_ways(int a, int b, CutMode mode = CutMode::kClose);
  // Cuts every link to and from `member`.
  void isolate(int member, CutMode mode = CutMode::kClose);
  void set_delay(int from, int to, std::chrono::milliseconds base, std::chrono::milliseconds jitter);
  void set_drop(int from, int to, double probability);
  // Undoes every fault of the link (cut, delay, drop); held bytes move on.
  void heal(int from, int to);
  void heal_all();

  // Connections of link from→to that are open now (identified by their head).
  std::size_t open_connections(int from, int to) const;
  // Connections of link from→to closed by a cut or a drop so far.
  std::size_t refused(int from, int to) const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace coord::test
