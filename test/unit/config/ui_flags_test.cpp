// --enable-ui (the dashboard of server/ui/), as a flag and as ETCD_ENABLE_UI.
#include "server/config/server_config.hpp"

#include <boost/test/unit_test.hpp>

#include "test/support/config/parse_flags.hpp"

using coord::test::parse_flags;

BOOST_AUTO_TEST_SUITE(ui_flags)

BOOST_AUTO_TEST_CASE(default__serves_the_dashboard) {
  auto r = parse_flags({});
  BOOST_REQUIRE(r.is_ok());
  BOOST_TEST(r->config.enable_ui);
}

BOOST_AUTO_TEST_CASE(flag__turns_it_off_in_every_go_spelling) {
  for (const char* off : {"--enable-ui=false", "-enable-ui=0", "--enable-ui=F"}) {
    auto r = parse_flags({off});
    BOOST_REQUIRE_MESSAGE(r.is_ok(), off << ": " << r.status().to_string());
    BOOST_TEST(!r->config.enable_ui, off);
  }
  auto bare = parse_flags({"--enable-ui"});  // a bare boolean flag means true
  BOOST_REQUIRE(bare.is_ok());
  BOOST_TEST(bare->config.enable_ui);
}

BOOST_AUTO_TEST_CASE(variable__turns_it_off) {
  auto r = parse_flags({}, {"ETCD_ENABLE_UI=false"});
  BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  BOOST_TEST(!r->config.enable_ui);
}

BOOST_AUTO_TEST_CASE(bad_value_and_flag_with_variable__are_errors) {
  auto bad = parse_flags({"--enable-ui=maybe"});
  BOOST_REQUIRE(!bad.is_ok());
  BOOST_TEST(bad.status().message().find("enable-ui") != std::string::npos);
  BOOST_TEST(!parse_flags({"--enable-ui=false"}, {"ETCD_ENABLE_UI=false"}).is_ok());
}

BOOST_AUTO_TEST_SUITE_END()
