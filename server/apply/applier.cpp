#include "server/apply/applier.hpp"

#include "server/auth/auth_codec.hpp"

#include <memory>
#include <optional>
#include <string_view>
#include <utility>

namespace coord::apply {

namespace {
Response to_response(store::EventResult&& r) {
  if (r.ok()) return Response{r.shared()};
  return Response{std::move(r).error()};
}

// A quorum GET's event is made for this answer alone: shared from here on.
Response to_response(store::V2Result<store::Event>&& r) {
  if (r.ok()) return Response{std::make_shared<const store::Event>(std::move(r).value())};
  return Response{std::move(r).error()};
}

std::optional<std::string_view> prev_value_of(const Request& r) {
  if (!r.prev_value) return std::nullopt;
  return std::string_view(*r.prev_value);
}

// etcd treats an empty prevValue and a zero prevIndex as "no condition".
bool has_compare(const Request& r) {
  return r.prev_index > 0 || (r.prev_value && !r.prev_value->empty());
}
}  // namespace

Response Applier::apply(const Request& r) {
  switch (r.method) {
    case Method::kPut:
      return put(r);
    case Method::kPost:
      return to_response(store_.create(r.path, r.dir, r.value, true, r.expiration, r.time));
    case Method::kDelete:
      return remove(r);
    case Method::kQGet:
      return to_response(store_.get(r.path, r.recursive, r.sorted, r.time));
    case Method::kSync:
      store_.expire(r.time);
      return Response{};
    case Method::kMemberAdd:
    case Method::kMemberRemove:
    case Method::kMemberUpdate:
    case Method::kMemberPublish:
    case Method::kClusterVersion:
      return membership(r);
    case Method::kAuth: {
      // decode_request() already rejected a malformed op: a failure here is a broken invariant.
      auto op = auth::decode_op(r.value);
      COORD_CHECK(op.is_ok(), "kAuth request with a malformed op");
      return Response{store::EventPtr{}, store_.apply_auth(*op)};
    }
  }
  COORD_CHECK(false, "request with an unknown method");
  return Response{};
}

Response Applier::put(const Request& r) {
  if (r.prev_exist.has_value()) {
    if (!*r.prev_exist) {
      // prevExist=false is a create; prevValue/prevIndex and refresh are ignored.
      return to_response(store_.create(r.path, r.dir, r.value, false, r.expiration, r.time));
    }
    if (!has_compare(r)) {
      return to_response(store_.update(r.path, r.value, r.expiration, r.refresh, r.time));
    }
  } else if (!has_compare(r)) {
    return to_response(store_.set(r.path, r.dir, r.value, r.expiration, r.time, r.refresh));
  }
  return to_response(store_.compare_and_swap(r.path, prev_value_of(r), r.prev_index, r.value,
                                             r.expiration, r.refresh, r.time));
}

Response Applier::remove(const Request& r) {
  if (has_compare(r)) {
    return to_response(store_.compare_and_delete(r.path, prev_value_of(r), r.prev_index, r.time));
  }
  return to_response(store_.remove(r.path, r.dir, r.recursive, r.time));
}

Response Applier::membership(const Request& r) {
  switch (r.method) {
    case Method::kMemberAdd:
      store_.add_member(store::Member{r.member_id, r.name, r.peer_urls, r.client_urls});
      break;
    case Method::kMemberRemove:
      store_.remove_member(r.member_id);
      break;
    case Method::kMemberUpdate:
      store_.update_member_peer_urls(r.member_id, r.peer_urls);
      break;
    case Method::kMemberPublish:
      store_.publish_member_attributes(r.member_id, r.name, r.client_urls);
      break;
    case Method::kClusterVersion:
      store_.set_cluster_version(r.value);
      break;
    default:
      COORD_CHECK(false, "not a membership method");
  }
  return Response{};
}

}  // namespace coord::apply
