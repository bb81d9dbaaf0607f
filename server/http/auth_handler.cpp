#include "server/http/auth_handler.hpp"

#include <boost/beast/http/verb.hpp>
#include <algorithm>

#include "server/apply/request.hpp"
#include "server/auth/auth_codec.hpp"
#include "server/auth/password.hpp"
#include "server/common/hex.hpp"
#include "server/http/auth_json.hpp"
#include "server/http/v2_json.hpp"
#include "server/node/node_api.hpp"

namespace coord::http {
namespace {

namespace bhttp = boost::beast::http;

constexpr std::string_view kUsers = "/v2/auth/users";
constexpr std::string_view kRoles = "/v2/auth/roles";

bool allowed(const HttpRequest& r, std::initializer_list<bhttp::verb> verbs) {
  return std::find(verbs.begin(), verbs.end(), r.method()) != verbs.end();
}

Reply message(int status, std::string_view text) {
  Reply r{status, kJson, {}, {}};
  append_message_json(r.body, text);
  return r;
}

// etcd's writeNoAuth: no cluster id (it is set after the check).
Reply no_auth() { return message(401, "Insufficient credentials"); }

// The name in "/v2/auth/users/<name>": "" for the collection ("/v2/auth/users" or ".../"),
// nullopt when more segments follow (etcd: 400 "Invalid path").
std::optional<std::string> name_after(const std::string& path, std::string_view prefix) {
  if (path.size() <= prefix.size() + 1) return std::string();
  std::string rest = path.substr(prefix.size() + 1);
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find('/') != std::string::npos) return std::nullopt;
  return rest;
}

}  // namespace

bool AuthHandler::serves(const std::string& path) {
  auto under = [&](std::string_view p) { return path == p || path.rfind(std::string(p) + "/", 0) == 0; };
  return path == "/v2/auth/enable" || under(kUsers) || under(kRoles);
}

Reply AuthHandler::reply(int status) const {
  Reply r{status, kJson, {}, {}};
  r.header("X-Etcd-Cluster-Id", to_hex(node_.cluster_id()));
  return r;
}

void AuthHandler::handle(const HttpRequest& request, const std::string& path, std::shared_ptr<Session> session) {
  if (path == "/v2/auth/enable") return enable(request, std::move(session));
  const bool users_path = path.rfind(kUsers, 0) == 0;
  auto name = name_after(path, users_path ? kUsers : kRoles);
  if (!name) return session->reply(message(400, "Invalid path"));
  if (users_path) return name->empty() ? users(request, std::move(session)) : user(request, *name, std::move(session));
  return name->empty() ? roles(request, std::move(session)) : role(request, *name, std::move(session));
}

void AuthHandler::enable(const HttpRequest& request, std::shared_ptr<Session> session) {
  if (!allowed(request, {bhttp::verb::get, bhttp::verb::put, bhttp::verb::delete_}))
    return session->reply(method_not_allowed_reply("GET,PUT,DELETE"));
  if (!gate_.write_root_access(request, session->client_cert_names())) return session->reply(no_auth());
  if (request.method() == bhttp::verb::get) {
    Reply r = reply(200);
    append_enabled_json(r.body, !gate_.auth_disabled());
    return session->reply(std::move(r));
  }
  auth::AuthOp op;
  op.kind = request.method() == bhttp::verb::put ? auth::AuthOpKind::kEnable : auth::AuthOpKind::kDisable;
  propose(std::move(op), std::move(session));
}

void AuthHandler::users(const HttpRequest& request, std::shared_ptr<Session> session) {
  if (!allowed(request, {bhttp::verb::get})) return session->reply(method_not_allowed_reply("GET"));
  if (!gate_.root_access(request, session->client_cert_names())) return session->reply(no_auth());
  Reply r = reply(200);
  node_.read([&](const store::Store& s, node::RaftPosition) {
    std::vector<std::pair<std::string, std::vector<auth::Role>>> list;
    for (const auto& name : s.auth().user_names()) {
      const auto u = s.auth().user(name);
      list.emplace_back(name, std::vector<auth::Role>{});
      for (const auto& role : u->roles.value_or(std::vector<std::string>{}))
        if (auto found = s.auth().role(role)) list.back().second.push_back(std::move(*found));  // etcd skips missing roles
    }
    append_users_json(r.body, list);
  });
  session->reply(std::move(r));
}

void AuthHandler::user(const HttpRequest& request, const std::string& name, std::shared_ptr<Session> session) {
  if (!allowed(request, {bhttp::verb::get, bhttp::verb::put, bhttp::verb::delete_}))
    return session->reply(method_not_allowed_reply("GET,PUT,DELETE"));
  if (!gate_.root_access(request, session->client_cert_names())) return session->reply(no_auth());
  if (request.method() == bhttp::verb::put) return put_user(request, name, std::move(session));
  if (request.method() == bhttp::verb::delete_) {
    auth::AuthOp op;
    op.kind = auth::AuthOpKind::kDeleteUser;
    op.user.name = name;
    return propose(std::move(op), std::move(session));
  }
  Reply r = reply(200);
  node_.read([&](const store::Store& s, node::RaftPosition) {
    const auto u = s.auth().user(name);
    if (!u) return append_message_json((r = reply(404)).body, "auth: User " + name + " does not exist.");
    std::vector<auth::Role> roles;
    for (const auto& role : u->roles.value_or(std::vector<std::string>{})) {
      auto found = s.auth().role(role);
      if (!found) return append_message_json((r = reply(404)).body, "auth: Role " + role + " does not exist.");
      roles.push_back(std::move(*found));
    }
    append_user_with_roles_json(r.body, name, roles);
  });
  session->reply(std::move(r));
}

void AuthHandler::put_user(const HttpRequest& request, const std::string& name, std::shared_ptr<Session> session) {
  auto in = parse_user_request(request.body());
  auto fail = [&](int status, std::string_view text) {
    Reply r = reply(status);
    append_message_json(r.body, text);
    session->reply(std::move(r));
  };
  if (!in) return fail(400, "Invalid JSON in request body.");
  if (in->user != name) return fail(400, "User JSON name does not match the name in the URL");
  auth::AuthOp op;
  const bool grant_or_revoke = (in->grant && !in->grant->empty()) || (in->revoke && !in->revoke->empty());
  const bool has_roles = in->roles && !in->roles->empty();
  if (!grant_or_revoke) {
    op.kind = has_roles ? auth::AuthOpKind::kCreateUser : auth::AuthOpKind::kCreateOrUpdateUser;
  } else {
    if (has_roles) return fail(400, "User JSON contains both roles and grant/revoke");
    op.kind = auth::AuthOpKind::kUpdateUser;
  }
  if (!in->password.empty()) {
    auto hash = auth::hash_password(in->password);
    if (!hash.is_ok()) return fail(400, "auth: " + hash.status().message());
    op.user.password_hash = std::move(*hash);
  }
  op.user.name = name;
  op.user.roles = std::move(in->roles);
  op.grant = std::move(in->grant);
  op.revoke = std::move(in->revoke);
  propose(std::move(op), std::move(session));
}

void AuthHandler::roles(const HttpRequest& request, std::shared_ptr<Session> session) {
  if (!allowed(request, {bhttp::verb::get})) return session->reply(method_not_allowed_reply("GET"));
  if (!gate_.root_access(request, session->client_cert_names())) return session->reply(no_auth());
  Reply r = reply(200);
  node_.read([&](const store::Store& s, node::RaftPosition) {
    std::vector<auth::Role> list;
    for (const auto& name : s.auth().role_names()) list.push_back(*s.auth().role(name));
    append_roles_json(r.body, list);
  });
  session->reply(std::move(r));
}

void AuthHandler::role(const HttpRequest& request, const std::string& name, std::shared_ptr<Session> session) {
  if (!allowed(request, {bhttp::verb::get, bhttp::verb::put, bhttp::verb::delete_}))
    return session->reply(method_not_allowed_reply("GET,PUT,DELETE"));
  if (!gate_.root_access(request, session->client_cert_names())) return session->reply(no_auth());
  if (request.method() == bhttp::verb::put) return put_role(request, name, std::move(session));
  if (request.method() == bhttp::verb::delete_) {
    auth::AuthOp op;
    op.kind = auth::AuthOpKind::kDeleteRole;
    op.role.name = name;
    return propose(std::move(op), std::move(session));
  }
  const auto found = node_.read([&](const store::Store& s, node::RaftPosition) { return s.auth().role(name); });
  Reply r = reply(found ? 200 : 404);
  if (found) {
    append_role_json(r.body, *found);
  } else {
    append_message_json(r.body, "auth: Role " + name + " does not exist.");
  }
  session->reply(std::move(r));
}

void AuthHandler::put_role(const HttpRequest& request, const std::string& name, std::shared_ptr<Session> session) {
  auto in = parse_role_request(request.body());
  auto fail = [&](std::string_view text) {
    Reply r = reply(400);
    append_message_json(r.body, text);
    session->reply(std::move(r));
  };
  if (!in) return fail("Invalid JSON in request body.");
  if (in->role != name) return fail("Role JSON name does not match the name in the URL");
  const bool changes = (in->grant && !in->grant->empty()) || (in->revoke && !in->revoke->empty());
  if (changes && !in->permissions.empty()) return fail("Role JSON contains both permissions and grant/revoke");
  auth::AuthOp op;
  op.kind = changes ? auth::AuthOpKind::kUpdateRole : auth::AuthOpKind::kCreateRole;
  op.role = auth::Role{name, std::move(in->permissions), std::move(in->grant), std::move(in->revoke)};
  propose(std::move(op), std::move(session));
}

void AuthHandler::propose(auth::AuthOp op, std::shared_ptr<Session> session) {
  apply::Request request;
  request.method = apply::Method::kAuth;
  request.value = auth::encode_op(op);
  request.time = node_.clock().now();
  const bool is_user_op = op.kind >= auth::AuthOpKind::kCreateUser && op.kind <= auth::AuthOpKind::kDeleteUser;
  node_.propose(std::move(request), [this, session = std::move(session), is_user_op](node::WriteResult result) {
    const auto& outcome = result.response.auth;
    if (!outcome) {  // timed out or stopped before it applied
      Reply r = reply(500);
      append_message_json(r.body, "Internal Server Error");
      return session->reply(std::move(r));
    }
    if (outcome->error) {
      Reply r = reply(outcome->error->status);
      append_message_json(r.body, outcome->error->message);
      return session->reply(std::move(r));
    }
    Reply r = reply(outcome->created ? 201 : 200);
    if (is_user_op && outcome->user) append_user_json(r.body, outcome->user->name, outcome->user->roles);
    if (!is_user_op && outcome->role) append_role_json(r.body, *outcome->role);
    session->reply(std::move(r));
  });
}

}  // namespace coord::http
