// TLS for coord::Client: https:// endpoints with a CA file, optional client certificate and key
// (ClientOptions::tls). Kept apart from the rest of the SDK so that programs that do not use TLS
// do not need OpenSSL: only code that calls these functions must link -lssl -lcrypto (the
// pkg-config file and the CMake config add them).
//
//   coord::ClientOptions o{.endpoints = {"https://127.0.0.1:2379"}};
//   o.tls.ca_file = "ca.pem";
//   coord::enable_tls(o);
//   coord::Client client(o);
//
// Thread-safety: the transport is safe for concurrent use, like every transport.
#pragma once

#include <memory>

#include <boost/asio/any_io_executor.hpp>

#include "coord/options.hpp"
#include "coord/transport.hpp"

namespace coord {

// A transport for both http:// and https:// endpoints; https uses options.tls. Throws
// std::runtime_error when a CA, certificate or key file cannot be loaded.
std::shared_ptr<Transport> make_tls_transport(boost::asio::any_io_executor executor, const ClientOptions& options);

// Sets options.transport_factory to make_tls_transport. Returns `options`.
ClientOptions& enable_tls(ClientOptions& options);

}  // namespace coord
