// The one translation unit that compiles Asio's SSL implementation (separate compilation, as
// asio_beast.cpp does for the rest of Asio and Beast). It lives in coord_asio, which both the
// SDK's TLS transport (client/src/tls_transport.cpp) and the server's TLS (server/tls/) link, so
// a program may use both. A static library member is linked only when referenced: programs
// without TLS neither pull it in nor need OpenSSL.
#include <boost/asio/ssl/impl/src.hpp>
