// Boost.URL's compiled part (Debian ships Boost.URL as headers only): built once, here, for
// every program that links coord_client — the SDK, the examples and the server, which reads
// its URLs through coord/endpoint_url.hpp.
#include <boost/url/src.hpp>
