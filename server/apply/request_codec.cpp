#include "server/apply/request_codec.hpp"

#include <utility>

#include "server/auth/auth_codec.hpp"
#include "server/common/coding.hpp"

namespace coord::apply {

namespace {
enum Flag : std::uint8_t {
  kDir = 1 << 0,
  kRecursive = 1 << 1,
  kSorted = 1 << 2,
  kRefresh = 1 << 3,
  kHasPrevExist = 1 << 4,
  kPrevExist = 1 << 5,
  kHasPrevValue = 1 << 6,
  kHasExpiration = 1 << 7,
};

bool is_membership(Method m) {
  return m == Method::kMemberAdd || m == Method::kMemberRemove || m == Method::kMemberUpdate ||
         m == Method::kMemberPublish || m == Method::kClusterVersion;
}

bool valid_method(std::uint8_t m) {
  return m >= static_cast<std::uint8_t>(Method::kPut) &&
         m <= static_cast<std::uint8_t>(Method::kAuth);
}

std::uint8_t flags_of(const Request& r) {
  std::uint8_t f = 0;
  if (r.dir) f |= kDir;
  if (r.recursive) f |= kRecursive;
  if (r.sorted) f |= kSorted;
  if (r.refresh) f |= kRefresh;
  if (r.prev_exist) f |= kHasPrevExist;
  if (r.prev_exist.value_or(false)) f |= kPrevExist;
  if (r.prev_value) f |= kHasPrevValue;
  if (r.expiration) f |= kHasExpiration;
  return f;
}

}  // namespace

std::string encode(const Request& r) {
  std::string out;
  out.reserve(32 + r.path.size() + r.value.size() + (r.prev_value ? r.prev_value->size() : 0));
  Encoder e(out);
  e.put_u8(kRequestCodecVersion);
  e.put_u8(static_cast<std::uint8_t>(r.method));
  e.put_u64(r.id);
  std::uint8_t flags = flags_of(r);
  e.put_u8(flags);
  e.put_bytes(r.path);
  e.put_bytes(r.value);
  if (r.prev_value) e.put_bytes(*r.prev_value);
  e.put_varint(r.prev_index);
  if (r.expiration) e.put_i64(*r.expiration);
  e.put_i64(r.time);
  if (is_membership(r.method)) {
    e.put_u64(r.member_id);
    e.put_bytes(r.name);
    e.put_strings(r.peer_urls);
    e.put_strings(r.client_urls);
  }
  return out;
}

Result<Request> decode_request(std::string_view data) {
  Decoder d(data);
  std::uint8_t version = 0, method = 0, flags = 0;
  if (!d.get_u8(version) || version != kRequestCodecVersion) {
    return Status::corruption("request: unknown encoding version");
  }
  if (!d.get_u8(method) || !valid_method(method)) return Status::corruption("request: unknown method");
  Request r;
  r.method = static_cast<Method>(method);
  d.get_u64(r.id);
  d.get_u8(flags);
  if (!(flags & kHasPrevExist) && (flags & kPrevExist)) return Status::corruption("request: bad flags");
  r.dir = flags & kDir;
  r.recursive = flags & kRecursive;
  r.sorted = flags & kSorted;
  r.refresh = flags & kRefresh;
  if (flags & kHasPrevExist) r.prev_exist = (flags & kPrevExist) != 0;
  d.get_bytes(r.path);
  d.get_bytes(r.value);
  if (flags & kHasPrevValue) {
    std::string pv;
    d.get_bytes(pv);
    r.prev_value = std::move(pv);
  }
  d.get_varint(r.prev_index);
  if (flags & kHasExpiration) {
    std::int64_t exp = 0;
    d.get_i64(exp);
    r.expiration = exp;
  }
  d.get_i64(r.time);
  if (is_membership(r.method)) {
    d.get_u64(r.member_id);
    d.get_bytes(r.name);
    if (d.ok() && (!d.get_strings(r.peer_urls) || !d.get_strings(r.client_urls))) {
      return Status::corruption("request: truncated member URLs");
    }
  }
  if (!d.done()) return Status::corruption("request: truncated or trailing bytes");
  // Checked here so that apply never meets a malformed auth write.
  if (r.method == Method::kAuth && !auth::decode_op(r.value).is_ok()) return Status::corruption("request: bad auth op");
  return r;
}

}  // namespace coord::apply
