// The process harness itself (test/support/process): the pieces the integration tests rely on.
#include <boost/test/unit_test.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <sys/wait.h>
#include <thread>

#include "test/support/process/process.hpp"
#include "test/support/process/server_cluster.hpp"

using namespace coord::test;

BOOST_AUTO_TEST_SUITE(client_harness)

BOOST_AUTO_TEST_CASE(temp_dir__is_created_and_removed_with_its_contents) {
  std::string path;
  {
    TempDir dir("harness");
    path = dir.path();
    std::filesystem::create_directories(dir.file("a/b"));
    std::ofstream(dir.file("a/b/f")) << "x";
    BOOST_TEST(std::filesystem::exists(dir.file("a/b/f")));
  }
  BOOST_TEST(!std::filesystem::exists(path));
}

BOOST_AUTO_TEST_CASE(free_port__never_hands_out_the_same_port_twice) {
  std::set<int> ports;
  for (int i = 0; i < 50; ++i) ports.insert(free_port());
  BOOST_TEST(ports.size() == 50u);
}

BOOST_AUTO_TEST_CASE(process__passes_env_logs_output_and_reports_exit_status) {
  TempDir dir("harness");
  Process p({"/bin/sh", "-c", "echo \"value=$COORD_HARNESS_X\"; exit 3"}, dir.file("log"), {"COORD_HARNESS_X=42"});
  auto status = p.wait_exit(std::chrono::seconds(10));
  BOOST_REQUIRE(status.has_value());
  BOOST_TEST(WEXITSTATUS(*status) == 3);
  BOOST_TEST(p.log_tail().find("value=42") != std::string::npos);
  BOOST_TEST(!p.running());
}

BOOST_AUTO_TEST_CASE(process__exec_failure_throws) {
  TempDir dir("harness");
  BOOST_CHECK_THROW(Process({"/nonexistent/binary"}, dir.file("log")), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(process__terminate_escalates_to_sigkill_and_destructor_reaps) {
  TempDir dir("harness");
  pid_t pid;
  {
    Process stubborn({"/bin/sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"}, dir.file("log"));
    pid = stubborn.pid();
    // SIGTERM must arrive after the trap is set: wait (bounded) for the shell to say so.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (stubborn.log_tail().find("ready") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    BOOST_REQUIRE(stubborn.log_tail().find("ready") != std::string::npos);
    stubborn.stop();
    stubborn.cont();
    int status = stubborn.terminate(std::chrono::milliseconds(200));
    BOOST_TEST(WIFSIGNALED(status));
    BOOST_TEST(WTERMSIG(status) == SIGKILL);
    Process idle({"/bin/sleep", "60"}, dir.file("log2"));
    pid = idle.pid();
  }  // ~Process kills and reaps `idle`
  BOOST_TEST(::kill(pid, 0) == -1);  // gone: no such process (reaped, so no zombie either)
}

BOOST_AUTO_TEST_CASE(wait_http_ready__gives_up_at_the_deadline_when_nothing_listens) {
  auto start = std::chrono::steady_clock::now();
  BOOST_TEST(!wait_http_ready("http://127.0.0.1:" + std::to_string(free_port()),
                              start + std::chrono::milliseconds(300)));
  BOOST_TEST((std::chrono::steady_clock::now() - start < std::chrono::seconds(2)));
}

BOOST_AUTO_TEST_CASE(server_binary__reports_why_coordd_is_unavailable) {
  std::string why;
  if (!server_binary(ServerKind::kCoordd, &why)) BOOST_TEST(!why.empty());
  BOOST_TEST(std::string(to_string(ServerKind::kEtcd)) == "etcd");
}

BOOST_AUTO_TEST_SUITE_END()
