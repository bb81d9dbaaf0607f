#include "examples/coordctl/auth_commands.hpp"

#include <boost/json.hpp>
#include <iostream>
#include <stdexcept>
#include <vector>

#include "examples/coordctl/http_get.hpp"
#include "examples/coordctl/password_prompt.hpp"

namespace coord::examples {
namespace {

namespace json = boost::json;

constexpr int kOk = 0, kFailed = 1;

// Everything etcdctl answers with "print to stderr, exit 1".
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The first endpoint's answer that arrives; when none does, etcdctl's cluster error.
HttpAnswer call(const ClientOptions& options, const std::string& method, const std::string& target,
                const std::string& body = {}) {
  std::string errors;
  int n = 0;
  for (const auto& url : options.endpoints) {
    std::string why;
    if (auto a = http_call(options, method, url, target, body, options.request_timeout, &why)) return *a;
    errors += (n ? "; error #" : "error #") + std::to_string(n) + ": " + why;
    ++n;
  }
  throw Failure("client: etcd cluster is unavailable or misconfigured; " + errors);
}

// The message of an error answer, as the Go client's authError reads it.
[[noreturn]] void fail_with(const HttpAnswer& a) {
  boost::system::error_code ec;
  const json::value v = json::parse(a.body, ec);
  if (ec) throw Failure("invalid character in the answer (status " + std::to_string(a.status) + ")");
  const auto* message = v.is_object() ? v.as_object().if_contains("message") : nullptr;
  throw Failure(message && message->is_string() ? std::string(message->as_string()) : "");
}

void expect(const HttpAnswer& a, std::initializer_list<int> statuses) {
  for (int s : statuses)
    if (a.status == s) return;
  fail_with(a);
}

std::string only_arg(const CommandLine& cl, const char* missing) {
  if (cl.args.size() != 2) throw Failure(missing);
  return cl.args[1];
}

void no_args(const CommandLine& cl) {
  if (cl.args.size() != 1) throw Failure("No arguments accepted");
}

std::string quote(const std::string& s) { return json::serialize(json::value(s)); }

json::array to_array(const std::vector<std::string>& names) {
  json::array a;
  for (const auto& n : names) a.emplace_back(n);
  return a;
}

std::vector<std::string> strings_of(const json::value* v) {
  std::vector<std::string> out;
  if (v && v->is_array())
    for (const auto& e : v->as_array())
      if (e.is_string()) out.emplace_back(e.as_string());
  return out;
}

// Go's path.Clean plus etcdctl's pathutil.CanonicalURLPath rules (leading '/', trailing '/' kept).
std::string canonical_path(std::string p) {
  if (p.empty()) return "/";
  if (p[0] != '/') p = "/" + p;
  std::vector<std::string> parts;
  std::size_t start = 1;
  while (start <= p.size()) {
    const auto end = std::min(p.find('/', start), p.size());
    const std::string part = p.substr(start, end - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = end + 1;
  }
  std::string out;
  for (const auto& part : parts) out += "/" + part;
  if (out.empty()) return "/";
  if (p.back() == '/') out += "/";
  return out;
}

int auth(const CommandLine& cl, const ClientOptions& o) {
  const std::string sub = cl.args.empty() ? "" : cl.args[0];
  if (sub != "enable" && sub != "disable") throw Failure("usage: coordctl auth enable|disable");
  no_args(cl);
  expect(call(o, sub == "enable" ? "PUT" : "DELETE", "/v2/auth/enable"), {200, 201});
  std::cout << (sub == "enable" ? "Authentication Enabled\n" : "Authentication Disabled\n");
  return kOk;
}

int user_grant_revoke(const CommandLine& cl, const ClientOptions& o, bool grant) {
  const auto roles = cl.all("roles");
  if (roles.empty()) throw Failure("No roles specified; please use `--roles`");
  const std::string name = only_arg(cl, "Please provide a username");
  json::object body{{"user", name}, {grant ? "grant" : "revoke", to_array(roles)}};
  expect(call(o, "PUT", "/v2/auth/users/" + name, json::serialize(body)), {200});
  std::cout << "User " << name << " updated\n";
  return kOk;
}

int user(const CommandLine& cl, const ClientOptions& o) {
  const std::string sub = cl.args.empty() ? "" : cl.args[0];
  if (sub == "list") {
    no_args(cl);
    const HttpAnswer a = call(o, "GET", "/v2/auth/users");
    expect(a, {200});
    const json::value v = json::parse(a.body);
    if (const auto* users = v.as_object().if_contains("users"); users && users->is_array())
      for (const auto& u : users->as_array()) std::cout << json::value_to<std::string>(u.at("user")) << "\n";
    return kOk;
  }
  if (sub == "grant" || sub == "revoke") return user_grant_revoke(cl, o, sub == "grant");
  if (sub != "add" && sub != "remove" && sub != "get" && sub != "passwd")
    throw Failure("usage: coordctl user add|remove|get|list|passwd|grant|revoke");
  const std::string arg = only_arg(cl, "Please provide a username");
  if (sub == "add") {
    const auto colon = arg.find(':');
    const std::string name = arg.substr(0, colon);
    const std::string password = colon == std::string::npos ? ask_password("New password: ") : arg.substr(colon + 1);
    expect(call(o, "PUT", "/v2/auth/users/" + name, R"({"user":)" + quote(name) + R"(,"password":)" + quote(password) + "}"),
           {200, 201});
    std::cout << "User " << name << " created\n";
  } else if (sub == "remove") {
    expect(call(o, "DELETE", "/v2/auth/users/" + arg), {200, 201});
    std::cout << "User " << arg << " removed\n";
  } else if (sub == "passwd") {
    const std::string password = ask_password("New password: ");
    expect(call(o, "PUT", "/v2/auth/users/" + arg, R"({"user":)" + quote(arg) + R"(,"password":)" + quote(password) + "}"),
           {200});
    std::cout << "Password updated\n";
  } else {
    const HttpAnswer a = call(o, "GET", "/v2/auth/users/" + arg);
    expect(a, {200});
    const json::object u = json::parse(a.body).as_object();
    // etcdctl first decodes the roles as strings: each role object fails into an empty string it
    // keeps, then the names are appended. So n roles print as n spaces and the names.
    std::vector<std::string> roles;
    if (const auto* list = u.if_contains("roles"); list && list->is_array()) {
      for (const auto& r : list->as_array()) roles.push_back(r.is_string() ? std::string(r.as_string()) : "");
      for (const auto& r : list->as_array())
        if (!r.is_string()) roles.push_back(json::value_to<std::string>(r.at("role")));
    }
    std::string joined;
    for (std::size_t i = 0; i < roles.size(); ++i) joined += (i ? " " : "") + roles[i];
    std::cout << "User: " << json::value_to<std::string>(u.at("user")) << "\nRoles: " << joined << "\n";
  }
  return kOk;
}

struct RoleView {
  std::string name;
  std::vector<std::string> read, write;
  bool operator==(const RoleView&) const = default;
};

RoleView role_view(const std::string& body) {
  const json::object r = json::parse(body).as_object();
  RoleView v{json::value_to<std::string>(r.at("role")), {}, {}};
  if (const auto* p = r.if_contains("permissions"); p && p->is_object())
    if (const auto* kv = p->as_object().if_contains("kv"); kv && kv->is_object()) {
      v.read = strings_of(kv->as_object().if_contains("read"));
      v.write = strings_of(kv->as_object().if_contains("write"));
    }
  return v;
}

int role_grant_revoke(const CommandLine& cl, const ClientOptions& o, bool grant) {
  const std::string path = cl.get("path");
  if (path.empty()) throw Failure("No path specified; please use `--path`");
  if (canonical_path(path) != path) throw Failure("Not canonical path; please use `--path=" + canonical_path(path) + "`");
  const bool read = cl.flag("read"), write = cl.flag("write"), rw = cl.flag("readwrite") || cl.flag("rw");
  if (read + write + rw != 1) throw Failure("Please specify exactly one of --read, --write or --readwrite");
  const std::string name = only_arg(cl, "Please provide a role name");
  const HttpAnswer current = call(o, "GET", "/v2/auth/roles/" + name);
  expect(current, {200});
  json::object kv{{"read", nullptr}, {"write", nullptr}};
  if (read || rw) kv["read"] = json::array{json::value(path)};
  if (write || rw) kv["write"] = json::array{json::value(path)};
  json::object body{{"role", name}, {"permissions", json::object{{"kv", json::object{{"read", nullptr}, {"write", nullptr}}}}}};
  body[grant ? "grant" : "revoke"] = json::object{{"kv", kv}};
  const HttpAnswer updated = call(o, "PUT", "/v2/auth/roles/" + name, json::serialize(body));
  expect(updated, {200});
  if (role_view(updated.body) == role_view(current.body))
    std::cout << (grant ? "Role unchanged; already granted" : "Role unchanged; already revoked");
  std::cout << "Role " << name << " updated\n";
  return kOk;
}

int role(const CommandLine& cl, const ClientOptions& o) {
  const std::string sub = cl.args.empty() ? "" : cl.args[0];
  if (sub == "list") {
    no_args(cl);
    const HttpAnswer a = call(o, "GET", "/v2/auth/roles");
    if (a.status != 200) throw Failure("unexpected status code " + std::to_string(a.status));
    const json::value v = json::parse(a.body);
    if (const auto* roles = v.as_object().if_contains("roles"); roles && roles->is_array())
      for (const auto& r : roles->as_array()) std::cout << json::value_to<std::string>(r.at("role")) << "\n";
    return kOk;
  }
  if (sub == "grant" || sub == "revoke") return role_grant_revoke(cl, o, sub == "grant");
  if (sub != "add" && sub != "remove" && sub != "get") throw Failure("usage: coordctl role add|remove|get|list|grant|revoke");
  const std::string name = only_arg(cl, "Please provide a role name");
  if (sub == "add") {
    if (call(o, "GET", "/v2/auth/roles/" + name).status == 200) throw Failure("Role " + name + " already exists");
    expect(call(o, "PUT", "/v2/auth/roles/" + name,
                R"({"role":)" + quote(name) + R"(,"permissions":{"kv":{"read":null,"write":null}}})"),
           {200, 201});
    std::cout << "Role " << name << " created\n";
  } else if (sub == "remove") {
    expect(call(o, "DELETE", "/v2/auth/roles/" + name), {200, 201});
    std::cout << "Role " << name << " removed\n";
  } else {
    const HttpAnswer a = call(o, "GET", "/v2/auth/roles/" + name);
    expect(a, {200});
    const RoleView v = role_view(a.body);
    std::cout << "Role: " << v.name << "\nKV Read:\n";
    for (const auto& p : v.read) std::cout << "\t" << p << "\n";
    std::cout << "KV Write:\n";
    for (const auto& p : v.write) std::cout << "\t" << p << "\n";
  }
  return kOk;
}

}  // namespace

bool is_auth_command(const std::string& command) { return command == "auth" || command == "user" || command == "role"; }

int run_auth_command(const CommandLine& cl, const ClientOptions& options) {
  try {
    if (cl.command == "auth") return auth(cl, options);
    if (cl.command == "user") return user(cl, options);
    return role(cl, options);
  } catch (const Failure& e) {
    std::cerr << e.what() << "\n";
  } catch (const std::exception& e) {  // an answer that is not the JSON expected
    std::cerr << e.what() << "\n";
  }
  return kFailed;
}

}  // namespace coord::examples
