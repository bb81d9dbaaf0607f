// The Raft core stays a pure state machine (README.md, the project's style): nothing under
// server/raft includes networking, threads, clocks or file I/O. Reads the source tree relative
// to the working directory (the repository root under test/run_all.sh).
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

std::vector<std::string> forbidden_includes() {
  return {"boost/asio", "boost/beast", "<asio", "<thread>", "<mutex>", "<shared_mutex>",
          "<condition_variable>", "<future>", "<chrono>", "<ctime>", "<time.h>", "<fstream>",
          "<cstdio>", "<stdio.h>", "<filesystem>", "<unistd.h>", "<sys/", "<fcntl.h>",
          "<socket", "<netinet/", "<arpa/", "server/common/clock.hpp"};
}

fs::path find_raft_dir() {
  for (fs::path p = fs::current_path(); !p.empty(); p = p.parent_path()) {
    if (fs::is_directory(p / "server/raft")) return p / "server/raft";
    if (p == p.parent_path()) break;
  }
  return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(purity)

BOOST_AUTO_TEST_CASE(raft_sources_include_no_io_threads_or_clocks) {
  fs::path dir = find_raft_dir();
  BOOST_REQUIRE_MESSAGE(!dir.empty(), "server/raft not found from the working directory "
                                          << fs::current_path()
                                          << "; run from the repository root (test/run_all.sh does)");
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    auto ext = entry.path().extension();
    if (ext != ".hpp" && ext != ".cpp") continue;
    ++files;
    std::ifstream in(entry.path());
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      auto pos = line.find_first_not_of(" \t");
      if (pos == std::string::npos || line.compare(pos, 1, "#") != 0) continue;
      if (line.find("include", pos) == std::string::npos) continue;
      for (const auto& bad : forbidden_includes()) {
        BOOST_TEST(line.find(bad) == std::string::npos,
                   entry.path().filename().string() << ":" << n << " includes " << bad << ": " << line);
      }
    }
  }
  BOOST_TEST(files >= 10);
}

BOOST_AUTO_TEST_SUITE_END()
