#include "server/node/member_codec.hpp"

#include "server/common/coding.hpp"

namespace coord::node {
std::string encode_member(const store::Member& member) {
  std::string out;
  Encoder e(out);
  e.put_u8(kMemberCodecVersion);
  e.put_u64(member.id);
  e.put_bytes(member.name);
  e.put_strings(member.peer_urls);
  e.put_strings(member.client_urls);
  return out;
}

Result<store::Member> decode_member(std::string_view data) {
  Decoder d(data);
  std::uint8_t version = 0;
  store::Member m;
  if (!d.get_u8(version) || version != kMemberCodecVersion) return Status::corruption("member record: bad version");
  if (!d.get_u64(m.id) || !d.get_bytes(m.name) || !d.get_strings(m.peer_urls) || !d.get_strings(m.client_urls) ||
      !d.done())
    return Status::corruption("member record: truncated or malformed");
  return m;
}

std::string encode_conf_context(const ConfContext& context) {
  std::string out;
  Encoder(out).put_u64(context.request_id);
  out += encode_member(context.member);
  return out;
}

Result<ConfContext> decode_conf_context(std::string_view data) {
  Decoder d(data);
  ConfContext c;
  if (!d.get_u64(c.request_id)) return Status::corruption("conf change context: truncated");
  auto member = decode_member(data.substr(8));
  if (!member) return member.status();
  c.member = std::move(*member);
  return c;
}

}  // namespace coord::node
