// What the example programs tell their user when a write's outcome is unknown, against coordd and
// real etcd 3.4 (v2). The program talks through a TcpRelay. Fault: its plain set reaches the
// server and applies, the relay holds the reply, another client sets a newer value, then the
// relay drops the connection (the reply is lost) and lets the program's resolution read through,
// which finds the newer value and so cannot tell. Must hold: the program does not send the set
// again (the newer value stays), exits with its documented status, and its message says that
// the write may or may not have applied and which key to read back.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include <sys/wait.h>

#include "coord/coord.hpp"
#include "test/support/file/read_file.hpp"
#include "test/support/client/server_fixture.hpp"
#include "test/support/net/tcp_relay.hpp"
#include "test/support/recipes/recipe_test_util.hpp"

using namespace coord;
using namespace std::chrono_literals;
using coord::test::eventually;
using coord::test::example_binary;
using coord::test::quorum_value;
using coord::test::unique_name;

namespace {

using coord::test::read_file;


// The fault of the file comment, once `program`'s set of `key` to `written` has applied behind
// `relay` (whose replies are held); returns the program's exit status.
int lose_reply_after_a_newer_write(coord::test::TcpRelay& relay, Client& other, coord::test::Process& program,
                                   const std::string& key, const std::string& written) {
  BOOST_REQUIRE_MESSAGE(eventually([&] { return quorum_value(other, key) == std::optional<std::string>(written); }, 10s),
                        program.log_tail());
  other.set(key, "newer");
  relay.cut();
  relay.thaw();
  auto status = program.wait_exit(15s);
  BOOST_REQUIRE_MESSAGE(status.has_value(), program.log_tail());
  BOOST_REQUIRE_MESSAGE(WIFEXITED(*status), program.log_tail());
  BOOST_TEST(quorum_value(other, key).value_or("<none>") == "newer");  // not sent again over the newer value
  return WEXITSTATUS(*status);
}

}  // namespace

// In the suite of client_write_faults_test.cpp (the same fault), so that the suite's servers are
// shared: the recipes tests run one suite per process.
BOOST_AUTO_TEST_SUITE(client_write_faults)

// coordctl set: exit 4 (etcdctl's set exits 4 when its request fails), "Error:  ..." and a line
// naming the key to read back.
COORD_BOTH_SERVERS_CASE(coordctl_set__says_the_set_may_have_applied_and_to_read_the_key_back, 1) {
  coord::test::TcpRelay relay(cluster.client_url(0));
  Client other(coord::test::options_for(cluster));
  std::string key = "/outcome/" + unique_name("coordctl-set");
  coord::test::TempDir dir("coordctl-set");
  relay.freeze_replies();  // coordctl set sends the set first: nothing else waits for an answer
  coord::test::Process coordctl({example_binary("coordctl"), "--endpoints", relay.url(), "set", key, "older"},
                                dir.file("coordctl.log"));
  BOOST_TEST(lose_reply_after_a_newer_write(relay, other, coordctl, key, "older") == 4, coordctl.log_tail());
  std::string log = read_file(coordctl.log_path());
  BOOST_TEST(log.find("Error:  outcome unknown") != std::string::npos, log);
  BOOST_TEST(log.find("may or may not have applied: read it back (coordctl get " + key + " --quorum)") != std::string::npos, log);
}

// exclusive_lock: the lock settles its own writes, but the counter's set is the user's: exit 4
// and a message naming the counter to read. The fault comes while it holds the lock
// (--hold-seconds), so the lock's own create is answered.
COORD_BOTH_SERVERS_CASE(exclusive_lock__says_the_counter_write_may_have_applied_and_to_read_it, 1) {
  coord::test::TcpRelay relay(cluster.client_url(0));
  Client other(coord::test::options_for(cluster));
  std::string counter = "/outcome/" + unique_name("counter");
  coord::test::TempDir dir("exclusive-lock");
  coord::test::Process holder({example_binary("exclusive_lock"), "--endpoints", relay.url(), "--name",
                               unique_name("outcome-lock"), "--counter", counter, "--increments", "1", "--ttl", "10",
                               "--hold-seconds", "1"},
                              dir.file("holder.log"));
  BOOST_REQUIRE_MESSAGE(eventually([&] { return read_file(holder.log_path()).find("holding") != std::string::npos; }, 10s),
                        holder.log_tail());
  relay.freeze_replies();  // the counter's set comes after the 1 s hold
  BOOST_TEST(lose_reply_after_a_newer_write(relay, other, holder, counter, "1") == 4, holder.log_tail());
  std::string log = read_file(holder.log_path());
  BOOST_TEST(log.find("the write of " + counter + " may or may not have applied") != std::string::npos, log);
  BOOST_TEST(log.find("read " + counter + " before running again") != std::string::npos, log);
}

BOOST_AUTO_TEST_SUITE_END()
