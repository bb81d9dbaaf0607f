// Failpoints: the COORD_FAILPOINTS parser (every accepted form, every refusal with its message)
// and what hit() does for each action. Each case that configures failpoints clears them again.
#include "server/common/failpoint.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <sys/wait.h>
#include <unistd.h>

namespace fp = coord::failpoint;
using fp::ActionKind;
using fp::Point;

namespace {

const fp::Action& at(const fp::Table& t, Point p) { return t[static_cast<std::size_t>(p)]; }

std::string refusal(std::string_view spec) {
  auto r = fp::parse(spec);
  BOOST_TEST_REQUIRE(!r.is_ok(), "\"" << spec << "\" must be refused");
  BOOST_TEST((r.status().code() == coord::StatusCode::kInvalidArgument));
  return r.status().message();
}

struct Cleared {
  ~Cleared() { fp::configure(fp::Table{}); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(failpoint)

BOOST_AUTO_TEST_CASE(parse__empty_configures_nothing) {
  for (std::string_view spec : {"", " ", ",", " , "}) {
    auto t = fp::parse(spec);
    BOOST_TEST_REQUIRE(t.is_ok(), spec);
    for (const auto& a : *t) BOOST_TEST((a.kind == ActionKind::kOff));
  }
}

BOOST_AUTO_TEST_CASE(parse__every_action_and_skip) {
  auto t = fp::parse("wal_after_save=crash, fdatasync=stall:2000,before_send=error@3 ,snap_before_apply=stall:5@10");
  BOOST_TEST_REQUIRE(t.is_ok(), t.status().message());
  BOOST_TEST((at(*t, Point::kWalAfterSave).kind == ActionKind::kCrash));
  BOOST_TEST(at(*t, Point::kWalAfterSave).skip == 0u);
  BOOST_TEST((at(*t, Point::kFdatasync).kind == ActionKind::kStall));
  BOOST_TEST(at(*t, Point::kFdatasync).stall_ms == 2000u);
  BOOST_TEST((at(*t, Point::kBeforeSend).kind == ActionKind::kError));
  BOOST_TEST(at(*t, Point::kBeforeSend).skip == 3u);
  BOOST_TEST((at(*t, Point::kSnapBeforeApply).kind == ActionKind::kStall));
  BOOST_TEST(at(*t, Point::kSnapBeforeApply).stall_ms == 5u);
  BOOST_TEST(at(*t, Point::kSnapBeforeApply).skip == 10u);
  BOOST_TEST((at(*t, Point::kWalBeforeSave).kind == ActionKind::kOff));
}

BOOST_AUTO_TEST_CASE(parse__every_point_has_a_name_it_accepts) {
  for (std::size_t i = 0; i < static_cast<std::size_t>(Point::kCount); ++i) {
    const auto point = static_cast<Point>(i);
    auto t = fp::parse(std::string(fp::name(point)) + "=stall:1");
    BOOST_TEST_REQUIRE(t.is_ok(), fp::name(point));
    BOOST_TEST((at(*t, point).kind == ActionKind::kStall));
  }
}

BOOST_AUTO_TEST_CASE(parse__refusals_name_the_culprit) {
  BOOST_TEST(refusal("wal_save=crash").find("unknown failpoint \"wal_save\"") != std::string::npos);
  BOOST_TEST(refusal("wal_save=crash").find("known: wal_before_save") != std::string::npos);
  BOOST_TEST(refusal("fdatasync").find("is not point=action") != std::string::npos);
  BOOST_TEST(refusal("fdatasync=explode").find("unknown action \"explode\"") != std::string::npos);
  BOOST_TEST(refusal("fdatasync=stall").find("unknown action") != std::string::npos);
  BOOST_TEST(refusal("fdatasync=stall:").find("positive number of milliseconds") != std::string::npos);
  BOOST_TEST(refusal("fdatasync=stall:0").find("positive number of milliseconds") != std::string::npos);
  BOOST_TEST(refusal("fdatasync=stall:-5").find("positive number of milliseconds") != std::string::npos);
  BOOST_TEST(refusal("fdatasync=stall:99999999999").find("positive number of milliseconds") != std::string::npos);
  BOOST_TEST(refusal("fdatasync=error@x").find("skip count \"x\"") != std::string::npos);
  BOOST_TEST(refusal("fdatasync=error@").find("skip count") != std::string::npos);
  BOOST_TEST(refusal("fdatasync=error,fdatasync=crash").find("named twice") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(parse__error_is_refused_where_the_operation_cannot_fail) {
  BOOST_TEST(refusal("conf_before_apply=error").find("failpoint conf_before_apply cannot fail") != std::string::npos);
  BOOST_TEST(refusal("conf_before_apply=error@2").find("use crash or stall:MS") != std::string::npos);
  auto t = fp::parse("conf_before_apply=crash@3,snap_send_midway=error");
  BOOST_TEST_REQUIRE(t.is_ok(), t.status().message());
  BOOST_TEST((at(*t, Point::kConfBeforeApply).kind == ActionKind::kCrash));
  BOOST_TEST(at(*t, Point::kConfBeforeApply).skip == 3u);
  BOOST_TEST((at(*t, Point::kSnapSendMidway).kind == ActionKind::kError));
}

BOOST_AUTO_TEST_CASE(configure_from_environment__refusal_names_the_variable) {
  ::setenv("COORD_FAILPOINTS", "nope=crash", 1);
  const auto s = fp::configure_from_environment();
  ::unsetenv("COORD_FAILPOINTS");
  BOOST_TEST(!s.is_ok());
  BOOST_TEST(s.message().find("COORD_FAILPOINTS: unknown failpoint \"nope\"") == 0u, s.message());
  Cleared cleared;
  ::setenv("COORD_FAILPOINTS", "before_send=error", 1);
  BOOST_TEST(fp::configure_from_environment().is_ok());
  ::unsetenv("COORD_FAILPOINTS");
  BOOST_TEST(fp::hit(Point::kBeforeSend));
}

BOOST_AUTO_TEST_CASE(hit__off_points_pass_and_none_configured_costs_nothing) {
  fp::configure(fp::Table{});
  BOOST_TEST(!fp::detail::any_configured.load());
  for (std::size_t i = 0; i < static_cast<std::size_t>(Point::kCount); ++i) BOOST_TEST(!fp::hit(static_cast<Point>(i)));
  Cleared cleared;
  fp::configure(*fp::parse("fdatasync=error"));
  BOOST_TEST(fp::detail::any_configured.load());
  BOOST_TEST(!fp::hit(Point::kWalAfterSave));
  BOOST_TEST(fp::hit(Point::kFdatasync));
}

BOOST_AUTO_TEST_CASE(hit__error_fires_after_the_skipped_hits_and_every_time_then) {
  Cleared cleared;
  fp::configure(*fp::parse("wal_before_save=error@2"));
  BOOST_TEST(!fp::hit(Point::kWalBeforeSave));
  BOOST_TEST(!fp::hit(Point::kWalBeforeSave));
  BOOST_TEST(fp::hit(Point::kWalBeforeSave));
  BOOST_TEST(fp::hit(Point::kWalBeforeSave));
  BOOST_TEST(fp::injected_error(Point::kWalBeforeSave).message() == "failpoint wal_before_save: injected error");
  BOOST_TEST((fp::injected_error(Point::kWalBeforeSave).code() == coord::StatusCode::kIoError));
}

BOOST_AUTO_TEST_CASE(hit__stall_pauses_the_caller_then_passes) {
  Cleared cleared;
  fp::configure(*fp::parse("snap_after_save=stall:30"));
  const auto start = std::chrono::steady_clock::now();
  BOOST_TEST(!fp::hit(Point::kSnapAfterSave));
  const auto waited = std::chrono::steady_clock::now() - start;
  BOOST_TEST((waited >= std::chrono::milliseconds(30)));
}

BOOST_AUTO_TEST_CASE(hit__crash_ends_the_process_at_once_with_status_86) {
  const pid_t child = ::fork();
  BOOST_TEST_REQUIRE(child >= 0);
  if (child == 0) {
    fp::configure(*fp::parse("wal_after_save=crash"));
    static_cast<void>(fp::hit(Point::kWalAfterSave));
    ::_exit(0);  // reached only if the crash did not happen
  }
  int status = 0;
  BOOST_TEST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 86);
}

BOOST_AUTO_TEST_SUITE_END()
