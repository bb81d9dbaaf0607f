// Asio's SSL implementation, compiled once for coord-bench's https mode (the project uses Asio's
// separate compilation; coord-bench links neither the SDK nor the server's TLS module).
#include <boost/asio/ssl/impl/src.hpp>
