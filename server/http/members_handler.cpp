#include "server/common/hex.hpp"
#include "server/http/members_handler.hpp"

#include <boost/beast/http/field.hpp>
#include <cstdio>

#include "server/http/member_request.hpp"
#include "server/http/v2_json.hpp"
#include "server/node/node_api.hpp"

namespace coord::http {
namespace {

namespace bhttp = boost::beast::http;

Reply message_reply(int status, std::string_view message) {
  Reply r{status, kJson, {}, {}};
  append_message_json(r.body, message);
  return r;
}

MemberView view(const store::Member& m) { return {m.id, m.name, m.peer_urls, m.client_urls}; }

// The peer URLs of a members POST/PUT body, or the 415/400 answer etcd gives instead.
std::variant<std::vector<std::string>, Reply> peer_urls_from(const HttpRequest& request) {
  const auto ct = request[bhttp::field::content_type];
  auto urls = parse_member_peer_urls(std::string_view(ct.data(), ct.size()), request.body());
  if (auto* refused = std::get_if<MemberRequestError>(&urls)) return message_reply(refused->status, refused->message);
  return std::get<0>(std::move(urls));
}

enum class Change { kAdd, kRemove, kUpdate };

// The answer etcd 3.4 gives for a failed membership change (statuses from node::NodeApi's
// membership methods): the one place that turns them into HTTP.
Reply change_failed(const Status& s, Change change) {
  switch (s.code()) {
    case StatusCode::kNotFound: return message_reply(404, s.message());
    case StatusCode::kAlreadyExists: return message_reply(409, s.message());
    // etcd answers 410 Gone to removing a removed member, and 500 to updating one.
    case StatusCode::kFailedPrecondition:
      if (change == Change::kRemove) return message_reply(410, s.message());
      return message_reply(500, "Internal Server Error");
    default: return message_reply(500, "Internal Server Error");
  }
}

std::optional<std::uint64_t> parse_id(const std::string& text) {
  if (text.empty() || text.size() > 16) return std::nullopt;
  char* end = nullptr;
  const auto v = std::strtoull(text.c_str(), &end, 16);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return v;
}

}  // namespace

void MembersHandler::handle(const HttpRequest& request, const std::string& path, std::shared_ptr<Session> session) {
  const std::string cid = to_hex(node_.cluster_id());
  const auto m = request.method();
  const bool collection = path == "/v2/members" || path == "/v2/members/";
  if (m != bhttp::verb::get && m != bhttp::verb::post && m != bhttp::verb::delete_ && m != bhttp::verb::put)
    return session->reply(method_not_allowed_reply("GET,POST,DELETE,PUT"));
  // etcd refuses before setting the cluster id header.
  if (!gate_.write_root_access(request, session->client_cert_names())) return session->reply(message_reply(401, "Insufficient credentials"));
  // From here on every answer carries the cluster id, errors included.
  auto reply = [&](Reply r) { session->reply(std::move(r.header("X-Etcd-Cluster-Id", cid))); };
  const std::string id_text = collection ? "" : path.substr(std::string("/v2/members/").size());
  if (m == bhttp::verb::get) {
    if (collection) return reply(list());
    if (id_text == "leader") return reply(leader());
    return reply(message_reply(404, "Not found"));
  }
  if (m == bhttp::verb::post) {
    if (!collection) return reply(method_not_allowed_reply(""));
    return add(request, std::move(session));
  }
  if (collection) return reply(method_not_allowed_reply(""));
  if (m == bhttp::verb::delete_) return remove(id_text, std::move(session));
  update(request, id_text, std::move(session));
}

Reply MembersHandler::list() const {
  Reply r{200, kJson, {}, {}};
  std::vector<MemberView> views;
  for (const auto& m : node_.members()) views.push_back(view(m));
  append_members_json(r.body, views);
  return r;
}

Reply MembersHandler::leader() const {
  const auto leader = node_.status().leader;
  for (const auto& m : node_.members())
    if (leader != 0 && m.id == leader) {
      Reply r{200, kJson, {}, {}};
      append_member_json(r.body, view(m));
      return r;
    }
  return message_reply(503, "During election");
}

void MembersHandler::add(const HttpRequest& request, std::shared_ptr<Session> session) {
  const std::string cid = to_hex(node_.cluster_id());
  auto urls = peer_urls_from(request);
  if (auto* r = std::get_if<Reply>(&urls)) return session->reply(std::move(r->header("X-Etcd-Cluster-Id", cid)));
  node_.add_member(std::get<0>(std::move(urls)), [session, cid](Status s, store::Member member) {
    if (!s.is_ok()) return session->reply(std::move(change_failed(s, Change::kAdd).header("X-Etcd-Cluster-Id", cid)));
    Reply r{201, kJson, {}, {}};
    append_member_json(r.body, view(member));
    session->reply(std::move(r.header("X-Etcd-Cluster-Id", cid)));
  });
}

void MembersHandler::remove(const std::string& id_text, std::shared_ptr<Session> session) {
  const std::string cid = to_hex(node_.cluster_id());
  const auto id = parse_id(id_text);
  if (!id) return session->reply(std::move(message_reply(404, "No such member: " + id_text).header("X-Etcd-Cluster-Id", cid)));
  node_.remove_member(*id, [session, cid](Status s, store::Member) {
    Reply r = s.is_ok() ? Reply{204, {}, {}, {}} : change_failed(s, Change::kRemove);
    session->reply(std::move(r.header("X-Etcd-Cluster-Id", cid)));
  });
}

void MembersHandler::update(const HttpRequest& request, const std::string& id_text, std::shared_ptr<Session> session) {
  const std::string cid = to_hex(node_.cluster_id());
  const auto id = parse_id(id_text);
  if (!id) return session->reply(std::move(message_reply(404, "No such member: " + id_text).header("X-Etcd-Cluster-Id", cid)));
  auto urls = peer_urls_from(request);
  if (auto* r = std::get_if<Reply>(&urls)) return session->reply(std::move(r->header("X-Etcd-Cluster-Id", cid)));
  node_.update_member(*id, std::get<0>(std::move(urls)), [session, cid](Status s, store::Member) {
    Reply r = s.is_ok() ? Reply{204, {}, {}, {}} : change_failed(s, Change::kUpdate);
    session->reply(std::move(r.header("X-Etcd-Cluster-Id", cid)));
  });
}

}  // namespace coord::http
