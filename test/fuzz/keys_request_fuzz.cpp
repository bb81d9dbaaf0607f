// Fuzz target: an HTTP/1.1 request as it arrives on a client connection, through Beast's parser
// (with the limits server/http/session.cpp sets), the request target (server/http/url.hpp) and,
// for /v2/keys, the keys parameters and the Raft request built from them
// (server/http/keys_params.hpp). Checks: a request that goes through Raft is built into a Raft request the request codec
// carries unchanged (server/apply/request_codec.hpp), and a key is always a cleaned absolute path.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/apply/request_codec.hpp"
#include "server/http/keys_params.hpp"
#include "server/http/url.hpp"
#include "test/fuzz/fuzz_check.hpp"

namespace bhttp = boost::beast::http;
using namespace coord;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.body_limit(1 << 20);
  parser.header_limit(64 * 1024);
  parser.eager(true);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_done()) return 0;
  const auto& request = parser.get();
  const std::string_view raw_target(request.target().data(), request.target().size());
  auto target = http::parse_request_target(raw_target);
  if (!target) return 0;
  (void)http::redirect_for(*target);
  const std::string& path = target->path;
  if (path != "/v2/keys" && path.rfind("/v2/keys/", 0) != 0) return 0;
  const auto method_name = request.method_string();
  auto method = http::keys_method_from_string(std::string_view(method_name.data(), method_name.size()));
  if (!method) return 0;
  const auto ct = request[bhttp::field::content_type];
  auto params = http::parse_keys_request(*method, path, std::string_view(ct.data(), ct.size()), request.body(),
                                         target->raw_query);
  if (!params.ok()) return 0;
  const http::KeysParams& p = params.value();
  FUZZ_CHECK(!p.key.empty() && p.key[0] == '/');
  FUZZ_CHECK(p.key == "/" || p.key.back() != '/');
  FUZZ_CHECK(!p.prev_value || !p.prev_value->empty());
  const http::KeysOp op = http::classify(p);
  if (op != http::KeysOp::kWrite && op != http::KeysOp::kQuorumGet) return 0;  // served without Raft
  const apply::Request built = http::build_request(p, 1'700'000'000'000'000'000);
  auto decoded = apply::decode_request(apply::encode(built));
  FUZZ_CHECK(decoded.is_ok());
  FUZZ_CHECK(*decoded == built);
  return 0;
}
