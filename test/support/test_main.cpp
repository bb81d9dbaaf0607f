// The one translation unit that defines main() for every Boost.Test executable.
#define BOOST_TEST_MODULE coord
#include <boost/test/unit_test.hpp>
