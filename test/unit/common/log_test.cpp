// The server's logger (server/common/log.hpp): both layouts as etcd 3.4 writes them, levels,
// outputs to files, whole lines under concurrent writers, and JSON lines that parse whatever
// the message holds (control characters, invalid UTF-8, lines past the length limit).
#include "server/common/log.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using coord::log::Field;
using coord::log::Format;
using coord::log::Level;

namespace {

// A fresh log file per case; the logger goes back to its defaults (stderr, capnslog, info) after.
struct LogFile {
  LogFile() {
    path = (fs::temp_directory_path() / ("coord-log-test-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + ".log")).string();
    fs::remove(path);
  }
  ~LogFile() {
    (void)coord::log::configure({});
    fs::remove(path);
  }
  void use(Format format, Level level = Level::kInfo) {
    auto s = coord::log::configure({format, level, {path}});
    BOOST_REQUIRE_MESSAGE(s.is_ok(), s.to_string());
  }
  std::vector<std::string> lines() const {
    std::ifstream in(path);
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }
  std::string text() const {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::string path;
  static inline int n = 0;
};

boost::json::object parse_line(const std::string& line) {
  boost::system::error_code ec;
  auto v = boost::json::parse(line, ec);
  BOOST_REQUIRE_MESSAGE(!ec, "not JSON: " + line + " (" + ec.message() + ")");
  BOOST_REQUIRE(v.is_object());
  return v.as_object();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(logger)

BOOST_AUTO_TEST_CASE(capnslog__writes_etcds_text_layout_with_fields) {
  LogFile f;
  f.use(Format::kCapnslog);
  COORD_LOG_INFO("became leader", coord::log::id("member-id", 0x8e9e05c52164694dull), Field("term", 7));
  COORD_LOG_WARN("slow fdatasync", coord::log::duration("took", std::chrono::milliseconds(1500)));
  const auto lines = f.lines();
  BOOST_REQUIRE_EQUAL(lines.size(), 2u);
  const std::regex ts(R"(^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} )");
  BOOST_TEST(std::regex_search(lines[0], ts), lines[0]);
  BOOST_TEST(lines[0].substr(27) == "I | coordd: became leader, member-id: 8e9e05c52164694d, term: 7");
  BOOST_TEST(lines[1].substr(27) == "W | coordd: slow fdatasync, took: 1.5s");
}

BOOST_AUTO_TEST_CASE(zap__writes_one_json_object_per_line_with_etcds_first_fields) {
  LogFile f;
  f.use(Format::kZap);
  COORD_LOG_ERROR("peer became unreachable", coord::log::id("remote-peer-id", 0xabcull), Field("attempts", 3u),
                  Field("ratio", 0.5), Field("tls", false), Field("url", std::string("http://127.0.0.1:2380")),
                  coord::log::duration("took", std::chrono::microseconds(807997)));
  const auto lines = f.lines();
  BOOST_REQUIRE_EQUAL(lines.size(), 1u);
  // Field order as etcd's zap writes it: level, ts, caller, msg, then the event's fields.
  BOOST_TEST(lines[0].rfind("{\"level\":\"error\",\"ts\":\"", 0) == 0u, lines[0]);
  const auto o = parse_line(lines[0]);
  BOOST_TEST(o.at("level").as_string() == "error");
  const std::string ts(o.at("ts").as_string());
  BOOST_TEST(std::regex_match(ts, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")), ts);
  BOOST_TEST(std::string(o.at("caller").as_string()).rfind("common/log_test.cpp:", 0) == 0u);
  BOOST_TEST(o.at("msg").as_string() == "peer became unreachable");
  BOOST_TEST(o.at("remote-peer-id").as_string() == "0000000000000abc");
  BOOST_TEST(o.at("attempts").as_int64() == 3);
  BOOST_TEST(o.at("ratio").as_double() == 0.5);
  BOOST_TEST(o.at("tls").as_bool() == false);
  BOOST_TEST(o.at("url").as_string() == "http://127.0.0.1:2380");
  BOOST_TEST(o.at("took").as_string() == "807.997ms");
}

BOOST_AUTO_TEST_CASE(durations__are_written_as_go_prints_them) {
  LogFile f;
  f.use(Format::kZap);
  using namespace std::chrono;
  COORD_LOG_INFO("d", coord::log::duration("a", nanoseconds(0)), coord::log::duration("b", nanoseconds(850)),
                 coord::log::duration("c", nanoseconds(807997)), coord::log::duration("d", milliseconds(100)),
                 coord::log::duration("e", seconds(2)), coord::log::duration("f", -milliseconds(3)));
  const auto o = parse_line(f.lines().at(0));
  BOOST_TEST(o.at("a").as_string() == "0s");
  BOOST_TEST(o.at("b").as_string() == "850ns");
  BOOST_TEST(o.at("c").as_string() == "807.997µs");
  BOOST_TEST(o.at("d").as_string() == "100ms");
  BOOST_TEST(o.at("e").as_string() == "2s");
  BOOST_TEST(o.at("f").as_string() == "-3ms");
}

BOOST_AUTO_TEST_CASE(levels__below_the_level_nothing_is_written_nor_evaluated) {
  LogFile f;
  f.use(Format::kCapnslog, Level::kWarn);
  int evaluated = 0;
  auto costly = [&] {
    ++evaluated;
    return std::string("x");
  };
  COORD_LOG_DEBUG("debug " + costly());
  COORD_LOG_INFO("info " + costly());
  COORD_LOG_WARN("warn " + costly());
  COORD_LOG_ERROR("error " + costly());
  COORD_LOG_FATAL("fatal " + costly());
  BOOST_TEST(evaluated == 3);
  const auto lines = f.lines();
  BOOST_REQUIRE_EQUAL(lines.size(), 3u);
  BOOST_TEST(lines[0].substr(27) == "W | coordd: warn x");
  BOOST_TEST(lines[1].substr(27) == "E | coordd: error x");
  BOOST_TEST(lines[2].substr(27) == "C | coordd: fatal x");
  BOOST_TEST(!coord::log::enabled(Level::kInfo));
  f.use(Format::kZap, Level::kDebug);
  COORD_LOG_DEBUG("now on");
  BOOST_TEST(parse_line(f.lines().at(3)).at("level").as_string() == "debug");
}

BOOST_AUTO_TEST_CASE(outputs__every_output_gets_every_line_and_a_file_is_appended_to) {
  LogFile a, b;
  {
    std::ofstream(a.path) << "kept\n";
  }
  auto s = coord::log::configure({Format::kZap, Level::kInfo, {a.path, b.path}});
  BOOST_REQUIRE_MESSAGE(s.is_ok(), s.to_string());
  COORD_LOG_INFO("to both");
  BOOST_REQUIRE_EQUAL(a.lines().size(), 2u);
  BOOST_TEST(a.lines()[0] == "kept");
  BOOST_TEST(parse_line(a.lines()[1]).at("msg").as_string() == "to both");
  BOOST_REQUIRE_EQUAL(b.lines().size(), 1u);
  BOOST_TEST(b.lines()[0] == a.lines()[1]);
}

BOOST_AUTO_TEST_CASE(outputs__an_unopenable_file_is_refused_in_etcds_words_and_nothing_changes) {
  LogFile f;
  f.use(Format::kZap);
  auto s = coord::log::configure({Format::kCapnslog, Level::kDebug, {"/nonexistent-dir/x.log"}});
  BOOST_REQUIRE(!s.is_ok());
  BOOST_TEST(s.message() ==
             "open sink \"/nonexistent-dir/x.log\": open /nonexistent-dir/x.log: no such file or directory");
  COORD_LOG_DEBUG("still off");
  COORD_LOG_INFO("still zap to the file");
  BOOST_REQUIRE_EQUAL(f.lines().size(), 1u);
  BOOST_TEST(parse_line(f.lines()[0]).at("msg").as_string() == "still zap to the file");
}

BOOST_AUTO_TEST_CASE(concurrency__lines_of_concurrent_writers_never_interleave) {
  LogFile f;
  f.use(Format::kZap);
  constexpr int kThreads = 8, kLines = 400;
  const std::string filler(300, 'y');  // lines of ~450 bytes: a torn write would show
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kLines; ++i) COORD_LOG_INFO("line", Field("thread", t), Field("i", i), Field("filler", filler));
    });
  for (auto& t : threads) t.join();
  const auto lines = f.lines();
  BOOST_REQUIRE_EQUAL(lines.size(), static_cast<std::size_t>(kThreads * kLines));
  std::vector<int> next(kThreads, 0);
  for (const auto& l : lines) {
    const auto o = parse_line(l);
    const auto t = o.at("thread").as_int64();
    // Each writer's lines come out whole and in its own order.
    BOOST_REQUIRE_EQUAL(o.at("i").as_int64(), next.at(static_cast<std::size_t>(t))++);
    BOOST_REQUIRE(o.at("filler").as_string() == filler);
  }
}

BOOST_AUTO_TEST_CASE(zap__control_characters_quotes_and_invalid_utf8_are_escaped) {
  LogFile f;
  f.use(Format::kZap);
  const std::string nasty = std::string("a\"b\\c\nd\re\tf") + '\x01' + '\x7f' + "\xff\xc3(" + "é€😀" + '\0' + "end";
  COORD_LOG_INFO(nasty, Field(nasty, nasty));
  const auto lines = f.lines();
  BOOST_REQUIRE_EQUAL(lines.size(), 1u);  // the newline in the value did not split the line
  const auto o = parse_line(lines[0]);
  const std::string want = std::string("a\"b\\c\nd\re\tf") + '\x01' + '\x7f' + "\xef\xbf\xbd\xef\xbf\xbd(" + "é€😀" +
                           '\0' + "end";
  BOOST_TEST(std::string(o.at("msg").as_string()) == want);
  BOOST_REQUIRE(o.contains(want));
  BOOST_TEST(std::string(o.at(want).as_string()) == want);
}

BOOST_AUTO_TEST_CASE(capnslog__control_characters_cannot_forge_a_line) {
  LogFile f;
  f.use(Format::kCapnslog);
  COORD_LOG_INFO("value", Field("k", "x\n2026-01-01 00:00:00.000000 C | coordd: forged\x01"));
  const auto lines = f.lines();
  BOOST_REQUIRE_EQUAL(lines.size(), 1u);
  BOOST_TEST(lines[0].substr(27) == "I | coordd: value, k: x\\n2026-01-01 00:00:00.000000 C | coordd: forged\\x01");
}

BOOST_AUTO_TEST_CASE(length__a_line_past_the_limit_is_cut_and_still_parses) {
  LogFile f;
  f.use(Format::kZap);
  const std::string big(3 * coord::log::kMaxLine, 'z');
  COORD_LOG_INFO("big", Field("first", "kept"), Field("value", big), Field("after", "dropped"));
  COORD_LOG_INFO(big);
  std::string multibyte;
  for (std::size_t i = 0; i < coord::log::kMaxLine; ++i) multibyte += "€";
  COORD_LOG_INFO("m", Field("v", multibyte));
  const auto lines = f.lines();
  BOOST_REQUIRE_EQUAL(lines.size(), 3u);
  for (const auto& l : lines) BOOST_TEST(l.size() < coord::log::kMaxLine);
  const auto first = parse_line(lines[0]);
  BOOST_TEST(first.at("first").as_string() == "kept");
  BOOST_TEST(first.at("value").as_string().size() > coord::log::kMaxLine / 2);
  BOOST_TEST(!first.contains("after"));
  BOOST_TEST(parse_line(lines[1]).at("msg").as_string().size() > coord::log::kMaxLine / 2);
  // Cut at a character boundary: the value is whole euro signs.
  const std::string v(parse_line(lines[2]).at("v").as_string());
  BOOST_TEST(v.size() % 3 == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
