#include <boost/test/unit_test.hpp>

#include "server/store/store.hpp"

using namespace coord::store;

BOOST_AUTO_TEST_SUITE(store_basic)

BOOST_AUTO_TEST_CASE(get__root_of_empty_store_is_a_dir_without_key_or_indexes) {
  Store s;
  auto r = s.get("/", false, false, 0);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r.value().action == "get");
  BOOST_TEST(r.value().node.dir);
  BOOST_TEST(r.value().node.key == "");
  BOOST_TEST(r.value().node.nodes.empty());
}

BOOST_AUTO_TEST_SUITE_END()
