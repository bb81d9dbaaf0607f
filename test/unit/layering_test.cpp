// The layering rules of README.md, checked on the source tree: the pure modules (raft, auth,
// store, apply, wal, snap) never include Asio or Beast; client/ never includes server/; recipes/ sees
// only client/ (and never server/). Reads the tree relative to the working directory, which is
// the repository root when test/run_all.sh runs the tests.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Violation {
  std::string file;
  std::string include;
};

// Every #include under `dir` whose target matches `forbidden`.
std::vector<Violation> includes_matching(const std::string& dir, const std::regex& forbidden) {
  BOOST_REQUIRE_MESSAGE(fs::is_directory(dir), "run from the repository root: " << dir << " not found");
  static const std::regex include_line(R"(^\s*#\s*include\s*[<"]([^>"]+)[>"])");
  std::vector<Violation> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const auto ext = entry.path().extension();
    if (ext != ".hpp" && ext != ".cpp") continue;
    std::ifstream in(entry.path());
    std::string line;
    std::smatch m;
    while (std::getline(in, line))
      if (std::regex_search(line, m, include_line) && std::regex_search(m[1].str(), forbidden))
        out.push_back({entry.path().string(), m[1].str()});
  }
  return out;
}

void expect_none(const std::vector<Violation>& violations) {
  for (const auto& v : violations) BOOST_ERROR(v.file << " includes " << v.include);
}

const std::regex kAsioOrBeast(R"(^boost/(asio|beast)[/.])");

}  // namespace

BOOST_AUTO_TEST_SUITE(layering)

BOOST_AUTO_TEST_CASE(pure_modules__never_include_asio_or_beast) {
  for (const char* dir : {"server/raft", "server/auth", "server/store", "server/apply", "server/wal", "server/snap"})
    expect_none(includes_matching(dir, kAsioOrBeast));
}

BOOST_AUTO_TEST_CASE(pure_modules__never_include_runtime_modules) {
  const std::regex runtime(R"(^server/(node|http|transport|proxy|config)/)");
  for (const char* dir : {"server/raft", "server/auth", "server/store", "server/apply", "server/wal", "server/snap"})
    expect_none(includes_matching(dir, runtime));
}

BOOST_AUTO_TEST_CASE(client__never_includes_server) {
  expect_none(includes_matching("client", std::regex(R"(^server/)")));
}

BOOST_AUTO_TEST_CASE(recipes__use_only_the_client) {
  expect_none(includes_matching("recipes", std::regex(R"(^(server|test)/)")));
}

BOOST_AUTO_TEST_CASE(checker__finds_a_planted_violation) {
  // The checker itself must be able to fail: plant a file and look for it.
  const fs::path dir = fs::temp_directory_path() / "coord-layering-probe";
  fs::create_directories(dir);
  std::ofstream(dir / "bad.cpp") << "#include <boost/asio/io_context.hpp>\n";
  const auto found = includes_matching(dir.string(), kAsioOrBeast);
  fs::remove_all(dir);
  BOOST_TEST(found.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
