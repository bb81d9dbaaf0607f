// Fuzz target: the body of a members API POST/PUT (server/http/member_request.hpp). The first
// input byte picks the Content-Type (JSON or not), the rest is the body. Checks: a refusal is a
// 415 or 400 with a message, and every accepted peer URL has a scheme etcd allows.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "server/http/member_request.hpp"
#include "test/fuzz/fuzz_check.hpp"

using namespace coord;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static constexpr std::string_view kTypes[] = {"application/json", "application/json; charset=utf-8",
                                                "text/plain", ""};
  const std::string_view content_type = kTypes[data[0] % 4];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  auto result = http::parse_member_peer_urls(content_type, body);
  if (const auto* refused = std::get_if<http::MemberRequestError>(&result)) {
    FUZZ_CHECK(refused->status == 400 || refused->status == 415);
    FUZZ_CHECK(!refused->message.empty());
    return 0;
  }
  FUZZ_CHECK(data[0] % 4 < 2);
  for (const std::string& url : std::get<0>(result)) {
    const auto sep = url.find("://");
    FUZZ_CHECK(sep != std::string::npos);
    const std::string scheme = url.substr(0, sep);
    FUZZ_CHECK(scheme == "http" || scheme == "https" || scheme == "unix" || scheme == "unixs");
  }
  return 0;
}
