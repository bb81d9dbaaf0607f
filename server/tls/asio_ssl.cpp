// The one translation unit of the server that compiles Asio's SSL implementation (the project
// uses Asio's separate compilation; client/src/tls_transport.cpp does the same for the SDK, so a
// program must not link both coord_tls and the SDK's TLS transport).
#include <boost/asio/ssl/impl/src.hpp>
