// AuthState: every auth write's checks, errors, merges and the etcd-index writes it reports,
// as etcd 3.4's v2auth store answers them.
#include <boost/test/unit_test.hpp>

#include "server/auth/auth_state.hpp"

using namespace coord::auth;

namespace {

std::vector<std::string> v(std::initializer_list<const char*> l) { return {l.begin(), l.end()}; }

AuthOp user_op(AuthOpKind kind, std::string name, std::string hash = {}, Names roles = std::nullopt) {
  AuthOp op;
  op.kind = kind;
  op.user = User{std::move(name), std::move(hash), std::move(roles)};
  return op;
}

AuthOp grant_op(std::string name, Names grant, Names revoke = std::nullopt) {
  AuthOp op = user_op(AuthOpKind::kUpdateUser, std::move(name));
  op.grant = std::move(grant);
  op.revoke = std::move(revoke);
  return op;
}

AuthOp role_op(AuthOpKind kind, std::string name, Permissions perms = {}, std::optional<Permissions> grant = {},
               std::optional<Permissions> revoke = {}) {
  AuthOp op;
  op.kind = kind;
  op.role = Role{std::move(name), std::move(perms), std::move(grant), std::move(revoke)};
  return op;
}

AuthOp simple(AuthOpKind kind) {
  AuthOp op;
  op.kind = kind;
  return op;
}

std::string error_of(const AuthOutcome& o) { return o.error ? std::to_string(o.error->status) + " " + o.error->message : "ok"; }

std::size_t successful_writes(const AuthOutcome& o) {
  std::size_t n = 0;
  for (const auto& w : o.writes) n += w.ok;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(auth_state)

BOOST_AUTO_TEST_CASE(enable__needs_a_root_user_then_creates_guest_once) {
  AuthState s;
  BOOST_TEST(error_of(s.apply(simple(AuthOpKind::kEnable))) == "409 auth: No root user available, please create one");
  BOOST_TEST(!s.initialized());
  auto root = s.apply(user_op(AuthOpKind::kCreateOrUpdateUser, "root", "$2b$h"));
  BOOST_TEST(root.created);
  BOOST_TEST((root.user->roles == Names(v({"root"}))));
  BOOST_TEST(successful_writes(root) == 5u);  // the four /2 directories and the user
  auto on = s.apply(simple(AuthOpKind::kEnable));
  BOOST_TEST(error_of(on) == "ok");
  BOOST_TEST(successful_writes(on) == 2u);  // guest role + enabled flag
  BOOST_TEST((s.role("guest") == default_guest_role()));
  BOOST_TEST(s.enabled());
  BOOST_TEST(error_of(s.apply(simple(AuthOpKind::kEnable))) == "409 auth: already enabled");
  BOOST_TEST(error_of(s.apply(simple(AuthOpKind::kDisable))) == "ok");
  BOOST_TEST(error_of(s.apply(simple(AuthOpKind::kDisable))) == "409 auth: already disabled");
  // A guest role that was changed survives re-enabling.
  s.apply(role_op(AuthOpKind::kUpdateRole, "guest", {}, std::nullopt, Permissions{v({"/*"}), v({"/*"})}));
  s.apply(simple(AuthOpKind::kEnable));
  BOOST_TEST((s.role("guest")->permissions == Permissions{v({}), v({})}));
}

BOOST_AUTO_TEST_CASE(create_or_update__nil_roles_become_empty_then_nothing_changes) {
  AuthState s;
  BOOST_TEST(error_of(s.apply(user_op(AuthOpKind::kCreateOrUpdateUser, "bob"))) ==
             "400 auth: Cannot create user bob with an empty password");
  auto created = s.apply(user_op(AuthOpKind::kCreateOrUpdateUser, "bob", "$h1"));
  BOOST_TEST((created.user->roles == std::nullopt));
  auto touched = s.apply(user_op(AuthOpKind::kCreateOrUpdateUser, "bob"));
  BOOST_TEST(!touched.created);
  BOOST_TEST((touched.user->roles == Names(v({}))));  // Go's merge turns nil into []
  BOOST_TEST(error_of(s.apply(user_op(AuthOpKind::kCreateOrUpdateUser, "bob"))) ==
             "400 auth: User not updated. Use grant/revoke/password to update the user.");
  auto passwd = s.apply(user_op(AuthOpKind::kCreateOrUpdateUser, "bob", "$h2"));
  BOOST_TEST(passwd.user->password_hash == "$h2");
  BOOST_TEST(s.user("bob")->password_hash == "$h2");
}

BOOST_AUTO_TEST_CASE(create_user_with_roles__conflicts_with_an_existing_user) {
  AuthState s;
  auto r = s.apply(user_op(AuthOpKind::kCreateUser, "root", "$h", v({"a"})));
  BOOST_TEST(!r.created);  // etcd answers 200 for a creation with roles
  BOOST_TEST((r.user->roles == Names(v({"a", "root"}))));
  BOOST_TEST(error_of(s.apply(user_op(AuthOpKind::kCreateUser, "root", "$h", v({"a"})))) ==
             "409 auth: User root already exists.");
}

BOOST_AUTO_TEST_CASE(grant_and_revoke__merge_sorted_and_refuse_duplicates) {
  AuthState s;
  s.apply(user_op(AuthOpKind::kCreateOrUpdateUser, "bob", "$h"));
  BOOST_TEST(error_of(s.apply(grant_op("ann", v({"x"})))) == "404 auth: User ann doesn't exist.");
  BOOST_TEST((s.apply(grant_op("bob", v({"z", "a"}))).user->roles == Names(v({"a", "z"}))));
  BOOST_TEST(error_of(s.apply(grant_op("bob", v({"a"})))) == "409 auth: Granting duplicate role a for user bob");
  BOOST_TEST(error_of(s.apply(grant_op("bob", std::nullopt, v({"q"})))) ==
             "409 auth: Revoking ungranted role q for user bob");
  BOOST_TEST((s.apply(grant_op("bob", std::nullopt, v({"a"}))).user->roles == Names(v({"z"}))));
  BOOST_TEST(error_of(s.apply(grant_op("bob", v({"n"}), v({"n"})))) ==
             "400 auth: User not updated. Use grant/revoke/password to update the user.");
}

BOOST_AUTO_TEST_CASE(root_user__keeps_the_root_role_and_cannot_go_while_enabled) {
  AuthState s;
  s.apply(user_op(AuthOpKind::kCreateOrUpdateUser, "root", "$h"));
  s.apply(grant_op("root", std::nullopt, v({"root"})));
  BOOST_TEST((s.user("root")->roles == Names(v({"root"}))));  // attached again on read
  s.apply(simple(AuthOpKind::kEnable));
  BOOST_TEST(error_of(s.apply(user_op(AuthOpKind::kDeleteUser, "root"))) ==
             "403 auth: Cannot delete root user while auth is enabled.");
  s.apply(simple(AuthOpKind::kDisable));
  BOOST_TEST(error_of(s.apply(user_op(AuthOpKind::kDeleteUser, "root"))) == "ok");
  auto missing = s.apply(user_op(AuthOpKind::kDeleteUser, "root"));
  BOOST_TEST(error_of(missing) == "404 auth: User root does not exist");
  BOOST_TEST(missing.writes.size() == 1u);
  BOOST_TEST(!missing.writes[0].ok);  // a failed delete: counted, no index
}

BOOST_AUTO_TEST_CASE(roles__root_is_built_in_and_read_only) {
  AuthState s;
  BOOST_TEST((s.role_names() == v({"root"})));
  BOOST_TEST(error_of(s.apply(role_op(AuthOpKind::kCreateRole, "root"))) == "403 auth: Cannot modify role root: is root role.");
  BOOST_TEST(error_of(s.apply(role_op(AuthOpKind::kUpdateRole, "root"))) == "403 auth: Cannot modify role root: is root role.");
  BOOST_TEST(error_of(s.apply(role_op(AuthOpKind::kDeleteRole, "root"))) == "403 auth: Cannot modify role root: is root role.");
  auto made = s.apply(role_op(AuthOpKind::kCreateRole, "r1"));
  BOOST_TEST(made.created);
  BOOST_TEST((s.role_names() == v({"r1", "root"})));
  BOOST_TEST(error_of(s.apply(role_op(AuthOpKind::kCreateRole, "r1"))) == "409 auth: Role r1 already exists.");
  BOOST_TEST(error_of(s.apply(role_op(AuthOpKind::kUpdateRole, "r2", {}, Permissions{v({"/a"}), {}}))) ==
             "404 auth: Role r2 doesn't exist.");
  auto granted = s.apply(role_op(AuthOpKind::kUpdateRole, "r1", {}, Permissions{v({"/foo/*"}), {}}));
  BOOST_TEST((granted.role->permissions == Permissions{v({"/foo/*"}), v({})}));
  BOOST_TEST(error_of(s.apply(role_op(AuthOpKind::kUpdateRole, "r1", {}, std::nullopt, Permissions{v({"/zz"}), {}}))) ==
             "400 auth: Role not updated. Use grant/revoke to update the role.");
  BOOST_TEST(error_of(s.apply(role_op(AuthOpKind::kDeleteRole, "r1"))) == "ok");
  BOOST_TEST(error_of(s.apply(role_op(AuthOpKind::kDeleteRole, "r1"))) == "404 auth: Role r1 doesn't exist.");
}

BOOST_AUTO_TEST_CASE(deleting_a_role__leaves_users_naming_it) {
  AuthState s;
  s.apply(role_op(AuthOpKind::kCreateRole, "r"));
  s.apply(user_op(AuthOpKind::kCreateUser, "u", "$h", v({"r"})));
  s.apply(role_op(AuthOpKind::kDeleteRole, "r"));
  BOOST_TEST((s.user("u")->roles == Names(v({"r"}))));
  BOOST_TEST(!s.role("r"));
}

BOOST_AUTO_TEST_SUITE_END()
