// The one translation unit that compiles Asio and Beast (BOOST_ASIO_SEPARATE_COMPILATION and
// BOOST_BEAST_SEPARATE_COMPILATION are set for the whole project in Jamroot), so every other
// file includes only their declarations and the build stays fast on small machines.
// Linked by the SDK and by coordd alike.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
