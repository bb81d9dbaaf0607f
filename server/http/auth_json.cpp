#include "server/http/auth_json.hpp"

#include <boost/json/stream_parser.hpp>
#include <boost/json/value.hpp>

#include "server/http/json_writer.hpp"

namespace coord::http {
namespace {

namespace json = boost::json;

// Go's encoding/json matches a JSON key to a field name exactly or, failing that, ignoring
// ASCII case.
bool key_is(json::string_view key, std::string_view field) {
  if (key.size() != field.size()) return false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    char a = key[i], b = field[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (a != b) return false;
  }
  return true;
}

// The first JSON value of `body` (Go's Decoder.Decode ignores what follows it).
std::optional<json::value> first_value(std::string_view body) {
  json::stream_parser p;
  boost::system::error_code ec;
  p.write_some(body.data(), body.size(), ec);
  if (ec) return std::nullopt;
  if (!p.done()) p.finish(ec);  // a value only the end of input completes, e.g. a number
  if (ec || !p.done()) return std::nullopt;
  return p.release();
}

// Each reader returns false where Go reports a type error; null leaves the target unchanged.
bool read_string(const json::value& v, std::string& out) {
  if (v.is_null()) return true;
  if (!v.is_string()) return false;
  out.assign(v.as_string().data(), v.as_string().size());
  return true;
}

bool read_names(const json::value& v, auth::Names& out) {
  if (v.is_null()) {
    out.reset();
    return true;
  }
  if (!v.is_array()) return false;
  std::vector<std::string> names;
  for (const auto& e : v.as_array()) {
    names.emplace_back();
    if (!read_string(e, names.back())) return false;
  }
  out = std::move(names);
  return true;
}

bool read_permissions(const json::value& v, auth::Permissions& out) {
  if (v.is_null()) return true;
  if (!v.is_object()) return false;
  for (const auto& field : v.as_object()) {
    if (!key_is(field.key(), "kv")) continue;
    if (field.value().is_null()) continue;
    if (!field.value().is_object()) return false;
    for (const auto& rw : field.value().as_object()) {
      if (key_is(rw.key(), "read") && !read_names(rw.value(), out.read)) return false;
      if (key_is(rw.key(), "write") && !read_names(rw.value(), out.write)) return false;
    }
  }
  return true;
}

bool read_optional_permissions(const json::value& v, std::optional<auth::Permissions>& out) {
  if (v.is_null()) {
    out.reset();
    return true;
  }
  if (!out) out.emplace();
  return read_permissions(v, *out);
}

void append_names(std::string& out, const auth::Names& names) {
  if (!names) {
    out += "null";
    return;
  }
  out += '[';
  for (std::size_t i = 0; i < names->size(); ++i) {
    if (i > 0) out += ',';
    append_json_string(out, (*names)[i]);
  }
  out += ']';
}

void append_permissions(std::string& out, const auth::Permissions& p) {
  out += R"({"kv":{"read":)";
  append_names(out, p.read);
  out += R"(,"write":)";
  append_names(out, p.write);
  out += "}}";
}

void append_role_object(std::string& out, const auth::Role& role) {
  out += R"({"role":)";
  append_json_string(out, role.name);
  out += R"(,"permissions":)";
  append_permissions(out, role.permissions);
  if (role.grant) {
    out += R"(,"grant":)";
    append_permissions(out, *role.grant);
  }
  if (role.revoke) {
    out += R"(,"revoke":)";
    append_permissions(out, *role.revoke);
  }
  out += '}';
}

void append_user_with_roles_object(std::string& out, const std::string& name, const std::vector<auth::Role>& roles) {
  out += R"({"user":)";
  append_json_string(out, name);
  if (!roles.empty()) {
    out += R"(,"roles":[)";
    for (std::size_t i = 0; i < roles.size(); ++i) {
      if (i > 0) out += ',';
      append_role_object(out, roles[i]);
    }
    out += ']';
  }
  out += '}';
}

}  // namespace

std::optional<UserRequest> parse_user_request(std::string_view body) {
  auto v = first_value(body);
  if (!v) return std::nullopt;
  UserRequest r;
  if (v->is_null()) return r;
  if (!v->is_object()) return std::nullopt;
  for (const auto& f : v->as_object()) {
    const json::value& x = f.value();
    const bool ok = key_is(f.key(), "user")       ? read_string(x, r.user)
                    : key_is(f.key(), "password") ? read_string(x, r.password)
                    : key_is(f.key(), "roles")    ? read_names(x, r.roles)
                    : key_is(f.key(), "grant")    ? read_names(x, r.grant)
                    : key_is(f.key(), "revoke")   ? read_names(x, r.revoke)
                                                  : true;
    if (!ok) return std::nullopt;
  }
  return r;
}

std::optional<RoleRequest> parse_role_request(std::string_view body) {
  auto v = first_value(body);
  if (!v) return std::nullopt;
  RoleRequest r;
  if (v->is_null()) return r;
  if (!v->is_object()) return std::nullopt;
  for (const auto& f : v->as_object()) {
    const json::value& x = f.value();
    const bool ok = key_is(f.key(), "role")          ? read_string(x, r.role)
                    : key_is(f.key(), "permissions") ? read_permissions(x, r.permissions)
                    : key_is(f.key(), "grant")       ? read_optional_permissions(x, r.grant)
                    : key_is(f.key(), "revoke")      ? read_optional_permissions(x, r.revoke)
                                                     : true;
    if (!ok) return std::nullopt;
  }
  return r;
}

void append_user_json(std::string& out, const std::string& name, const auth::Names& roles) {
  out += R"({"user":)";
  append_json_string(out, name);
  out += R"(,"roles":)";
  append_names(out, roles);
  out += "}\n";
}

void append_role_json(std::string& out, const auth::Role& role) {
  append_role_object(out, role);
  out += '\n';
}

void append_user_with_roles_json(std::string& out, const std::string& name, const std::vector<auth::Role>& roles) {
  append_user_with_roles_object(out, name, roles);
  out += '\n';
}

void append_users_json(std::string& out, const std::vector<std::pair<std::string, std::vector<auth::Role>>>& users) {
  out += R"({"users":)";
  if (users.empty()) {
    out += "null";
  } else {
    out += '[';
    for (std::size_t i = 0; i < users.size(); ++i) {
      if (i > 0) out += ',';
      append_user_with_roles_object(out, users[i].first, users[i].second);
    }
    out += ']';
  }
  out += "}\n";
}

void append_roles_json(std::string& out, const std::vector<auth::Role>& roles) {
  out += R"({"roles":[)";
  for (std::size_t i = 0; i < roles.size(); ++i) {
    if (i > 0) out += ',';
    append_role_object(out, roles[i]);
  }
  out += "]}\n";
}

void append_enabled_json(std::string& out, bool enabled) { out += enabled ? "{\"enabled\":true}\n" : "{\"enabled\":false}\n"; }

}  // namespace coord::http
