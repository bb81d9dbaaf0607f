// Every recipe with ownership under a process pause, against coordd and real etcd 3.4 (v2), one
// shared single-member server of each per test program. A holder process (this test program
// started again, running only the suite recipes_paused_holder_process) acquires one object of
// every recipe (test/support/recipes/contenders.hpp) and writes to a fenced resource with each
// fencing token. Fault: the holder is frozen with SIGSTOP past the TTL (2 s) while this process
// acquires every recipe in its place, then thawed with SIGCONT. Must hold, for every recipe:
// the new holder gets a larger fencing token; the thawed holder's ownership query says false the
// first time it is asked, its stop_token is requested, and its fenced write is rejected (the
// resource keeps the new holder's value). One process for all recipes: one pause costs one TTL.
// The frozen-traffic twin is recipes_faults_test.cpp.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <sstream>
#include <thread>

#include <sys/wait.h>

#include "coord/coord.hpp"
#include "test/support/client/server_fixture.hpp"
#include "test/support/recipes/contenders.hpp"
#include "test/support/recipes/recipe_test_util.hpp"

using namespace coord;
using namespace std::chrono_literals;
using coord::test::eventually;
using coord::test::unique_name;

namespace {

// Set in the holder process only: its scratch directory.
constexpr const char* kHolderDirVar = "COORD_PAUSED_HOLDER_DIR";
constexpr const char* kEndpointVar = "COORD_PAUSED_HOLDER_ENDPOINT";
constexpr const char* kNameVar = "COORD_PAUSED_HOLDER_NAME";

struct InHolderProcess {
  boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
    return std::getenv(kHolderDirVar) != nullptr;
  }
};

std::string resource_of(const std::string& name, const std::string& kind) { return "/fenced/" + name + "-" + kind; }

// Writes `text` to `path` so that a reader never sees it half-written.
void publish(const std::string& path, const std::string& text) {
  {
    std::ofstream out(path + ".tmp");
    out << text;
  }
  std::filesystem::rename(path + ".tmp", path);
}

// "kind value" lines → map (empty while the file does not exist).
std::map<std::string, std::string> read_pairs(const std::string& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  std::string kind, value;
  while (in >> kind >> value) out[kind] = value;
  return out;
}

}  // namespace

// The holder process's side (skipped in a normal run).
BOOST_AUTO_TEST_SUITE(recipes_paused_holder_process, *boost::unit_test::precondition(InHolderProcess{}))

BOOST_AUTO_TEST_CASE(hold_every_recipe_until_resumed) {
  std::string dir = std::getenv(kHolderDirVar);
  std::string name = std::getenv(kNameVar);
  ClientOptions o;
  o.endpoints = {std::getenv(kEndpointVar)};
  Client client(o);
  std::vector<std::unique_ptr<coord::test::Contender>> held;
  std::ostringstream fences;
  for (const auto& kind : coord::test::contender_kinds()) {
    held.push_back(coord::test::make_contender(kind, client, name + "-" + kind, true));
    BOOST_REQUIRE(held.back()->acquire(10s));
    BOOST_REQUIRE(coord::test::fenced_write(client, resource_of(name, kind), held.back()->fence(), "a"));
    fences << kind << " " << held.back()->fence() << "\n";
  }
  publish(dir + "/holding", fences.str());
  // The test stops this process here and lets it go on once the others hold everything.
  BOOST_REQUIRE(eventually([&] { return std::filesystem::exists(dir + "/resumed"); }, 60s));
  std::vector<bool> held_after(held.size());
  for (std::size_t i = 0; i < held.size(); ++i) held_after[i] = held[i]->holds();  // first question after the pause
  std::ostringstream report;
  for (std::size_t i = 0; i < held.size(); ++i) {
    const auto& kind = coord::test::contender_kinds()[i];
    bool stopped = eventually([&] { return held[i]->stop_token().stop_requested(); }, 3s);
    bool written = coord::test::fenced_write(client, resource_of(name, kind), held[i]->fence(), "a-after-pause");
    report << kind << " holds=" << held_after[i] << ",stopped=" << stopped << ",fenced_write=" << written << "\n";
  }
  publish(dir + "/report", report.str());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(recipes_paused)

COORD_BOTH_SERVERS_CASE(every_recipe__paused_holder_resumes_not_holding_and_is_fenced, 1) {
  coord::test::TempDir dir("paused-holder");
  std::string name = unique_name("paused");
  coord::test::Process holder(
      {std::filesystem::read_symlink("/proc/self/exe").string(), "--run_test=recipes_paused_holder_process",
       "--log_level=message"},
      dir.file("holder.log"),
      {std::string(kHolderDirVar) + "=" + dir.path(), std::string(kEndpointVar) + "=" + cluster.client_url(0),
       std::string(kNameVar) + "=" + name});
  BOOST_REQUIRE_MESSAGE(eventually([&] { return std::filesystem::exists(dir.file("holding")); }, 30s), holder.log_tail());
  auto a_fences = read_pairs(dir.file("holding"));
  holder.stop();  // SIGSTOP: every lease of the holder runs out while it cannot act

  // Every recipe is taken over, all at once (each waits for the holder's key to expire).
  Client b_client(coord::test::options_for(cluster));
  struct Taken {
    std::unique_ptr<coord::test::Contender> contender;
    bool acquired = false;
    bool written = false;
  };
  std::vector<std::future<Taken>> taking;
  for (const auto& kind : coord::test::contender_kinds()) {
    taking.push_back(std::async(std::launch::async, [&, kind] {
      Taken t{coord::test::make_contender(kind, b_client, name + "-" + kind, false)};
      t.acquired = t.contender->acquire(15s);
      if (t.acquired) t.written = coord::test::fenced_write(b_client, resource_of(name, kind), t.contender->fence(), "b");
      return t;
    }));
  }
  std::vector<Taken> taken;
  for (auto& f : taking) taken.push_back(f.get());
  holder.cont();
  publish(dir.file("resumed"), "");
  auto status = holder.wait_exit(30s);
  BOOST_REQUIRE_MESSAGE(status.has_value(), holder.log_tail());
  BOOST_TEST_MESSAGE(holder.log_tail());
  BOOST_TEST((WIFEXITED(*status) && WEXITSTATUS(*status) == 0), holder.log_tail());

  auto report = read_pairs(dir.file("report"));
  for (std::size_t i = 0; i < taken.size(); ++i) {
    const auto& kind = coord::test::contender_kinds()[i];
    BOOST_TEST_CONTEXT(kind) {
      BOOST_REQUIRE(taken[i].acquired);
      BOOST_TEST(taken[i].written);
      BOOST_TEST(taken[i].contender->fence() > std::stoull(a_fences.at(kind)));
      BOOST_TEST(report[kind] == "holds=0,stopped=1,fenced_write=0");
      BOOST_TEST(b_client.get(resource_of(name, kind)).node.value.value_or("") ==
                 std::to_string(taken[i].contender->fence()) + ":b");
      BOOST_TEST(taken[i].contender->holds());
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
