// The logging flags (etcd 3.4's --logger, --log-level, --log-outputs, --debug,
// --log-package-levels), as flags and ETCD_* variables, resolved into the logger's settings,
// and refused in etcd's words.
#include "server/config/server_config.hpp"

#include <boost/test/unit_test.hpp>

#include "test/support/config/parse_flags.hpp"

using coord::test::parse_flags;
using coord::log::Format;
using coord::log::Level;

namespace {

std::string refusal(std::vector<std::string> args, std::vector<std::string> env = {}) {
  auto r = parse_flags(std::move(args), std::move(env));
  BOOST_REQUIRE(!r.is_ok());
  return r.status().message();
}
}  // namespace

BOOST_AUTO_TEST_SUITE(log_flags)

BOOST_AUTO_TEST_CASE(defaults__capnslog_at_info_to_stderr_as_etcd_3_4) {
  auto r = parse_flags({});
  BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  BOOST_TEST((r->config.log.format == Format::kCapnslog));
  BOOST_TEST((r->config.log.level == Level::kInfo));
  BOOST_TEST(r->config.log.outputs == std::vector<std::string>{"default"});
}

BOOST_AUTO_TEST_CASE(flags__zap_level_and_several_outputs_deduplicated_and_sorted) {
  auto r = parse_flags({"--logger", "zap", "--log-level=warn", "--log-outputs", "/tmp/b.log,stderr,/tmp/a.log,stderr"});
  BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  BOOST_TEST((r->config.log.format == Format::kZap));
  BOOST_TEST((r->config.log.level == Level::kWarn));
  BOOST_TEST(r->config.log.outputs == (std::vector<std::string>{"/tmp/a.log", "/tmp/b.log", "stderr"}));
  const std::vector<std::pair<std::string, Level>> levels = {
      {"debug", Level::kDebug}, {"info", Level::kInfo}, {"error", Level::kError}, {"panic", Level::kFatal}, {"fatal", Level::kFatal}};
  for (const auto& [name, level] : levels)
    BOOST_TEST((parse_flags({"--log-level", name})->config.log.level == level), name);
}

BOOST_AUTO_TEST_CASE(environment__sets_the_same_and_conflicts_with_the_flag) {
  auto r = parse_flags({}, {"ETCD_LOGGER=zap", "ETCD_LOG_LEVEL=error", "ETCD_LOG_OUTPUTS=stdout"});
  BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  BOOST_TEST((r->config.log.format == Format::kZap));
  BOOST_TEST((r->config.log.level == Level::kError));
  BOOST_TEST(r->config.log.outputs == std::vector<std::string>{"stdout"});
  BOOST_TEST((parse_flags({}, {"ETCD_DEBUG=true"})->config.log.level == Level::kDebug));
  BOOST_TEST((parse_flags({}, {"ETCD_LOG_PACKAGE_LEVELS=coordd=WARNING"})->config.log.level == Level::kWarn));
  BOOST_TEST(refusal({"--logger", "zap"}, {"ETCD_LOGGER=zap"}).find("ETCD_LOGGER") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(debug__means_debug_level_whatever_log_level_says) {
  BOOST_TEST((parse_flags({"--debug"})->config.log.level == Level::kDebug));
  BOOST_TEST((parse_flags({"--debug", "--log-level", "error"})->config.log.level == Level::kDebug));
  BOOST_TEST((parse_flags({"--debug=false"})->config.log.level == Level::kInfo));
  BOOST_TEST(refusal({"--debug=maybe"}) == "invalid boolean value \"maybe\" for -debug: parse error");
}

BOOST_AUTO_TEST_CASE(package_levels__set_coordds_level_with_capnslogs_names) {
  BOOST_TEST((parse_flags({"--log-package-levels", "coordd=DEBUG"})->config.log.level == Level::kDebug));
  BOOST_TEST((parse_flags({"--log-package-levels", "*=E"})->config.log.level == Level::kError));
  BOOST_TEST((parse_flags({"--log-package-levels", "coordd=CRITICAL", "--debug"})->config.log.level == Level::kFatal));
  BOOST_TEST(refusal({"--log-package-levels", "coordd"}) ==
             "couldn't parse log level string: oddly structured `pkg=level` option: coordd");
  BOOST_TEST(refusal({"--log-package-levels", "coordd=LOUD"}) ==
             "couldn't parse log level string: couldn't parse log level LOUD");
  BOOST_TEST(refusal({"--log-package-levels", "etcdserver=DEBUG"}).find("unknown package \"etcdserver\"") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(refused__bad_values_in_etcds_words) {
  BOOST_TEST(refusal({"--logger", "foo"}) == "unknown logger option \"foo\"");
  BOOST_TEST(refusal({"--log-level", "loud"}) ==
             "invalid value \"loud\" for flag -log-level: unknown level \"loud\" (only supports debug, info, warn, "
             "error, panic, or fatal)");
  BOOST_TEST(refusal({"--log-outputs", "stderr,stdout"}) ==
             "--logger=capnslog supports only 1 value in '--log-outputs', got [\"stderr\" \"stdout\"]");
  BOOST_TEST(refusal({"--log-outputs", "/tmp/x.log"}) ==
             "unknown log-output \"/tmp/x.log\" (only supports \"default\", \"stderr\", \"stdout\")");
  BOOST_TEST(refusal({"--logger", "zap", "--log-outputs", "default,/tmp/x.log"}) ==
             "multi logoutput for \"default\" is not supported yet");
  BOOST_TEST(refusal({"--logger", "zap", "--log-outputs", "journal"}).find("journal is not supported") !=
             std::string::npos);
  BOOST_TEST(refusal({"--log-outputs", "stderr,"}) == "invalid value \"stderr,\" for flag -log-outputs: empty output");
  BOOST_TEST(refusal({"--logger", "zap", "--log-outputs", "a,b,c,d,e,f,g,h,i"}).find("at most 8") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(help__lists_the_logging_flags) {
  const std::string u = coord::config::usage();
  for (const char* flag : {"--logger", "--log-level", "--log-outputs", "--debug", "--log-package-levels"})
    BOOST_TEST(u.find(std::string(flag) + "\n") != std::string::npos, flag);
}

BOOST_AUTO_TEST_SUITE_END()
