// The Asio, Beast and Boost.JSON headers that the network modules' sources all parse (the
// server's tls, http, transport and proxy libraries, the SDK and coordctl), compiled once per
// build variant and force-included into those sources by Jamroot (b2's cpp-pch). It only saves
// parsing time: every source still includes what it uses, and compiles the same without it.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
