// The dashboard's answers (server/ui/dashboard.hpp): which paths it owns, the redirect of /ui,
// each asset with its Content-Type, ETag and security headers, 304 for a matching
// If-None-Match, 405 for other methods and etcd's plain-text 404 for an unknown asset.
#include "server/ui/dashboard.hpp"

#include <boost/test/unit_test.hpp>

#include <optional>
#include <string>

#include "coord/recipes/key_layouts.hpp"
#include "server/ui/embedded_assets.hpp"

using coord::ui::content_type_for;
using coord::ui::dashboard_reply;
using coord::ui::is_dashboard_path;

namespace {

std::optional<std::string> header(const coord::http::Reply& r, const std::string& name) {
  const auto value = r.header_value(name);
  return value ? std::optional<std::string>(*value) : std::nullopt;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dashboard)

BOOST_AUTO_TEST_CASE(paths__ui_and_its_subtree_only) {
  for (const char* yes : {"/ui", "/ui/", "/ui/app.js", "/ui/a/b"}) BOOST_TEST(is_dashboard_path(yes), yes);
  for (const char* no : {"/", "/u", "/uix", "/uis/app.js", "/v2/keys/ui", ""}) BOOST_TEST(!is_dashboard_path(no), no);
}

BOOST_AUTO_TEST_CASE(content_types__follow_the_extension) {
  BOOST_TEST(content_type_for("index.html") == "text/html; charset=utf-8");
  BOOST_TEST(content_type_for("app.css") == "text/css; charset=utf-8");
  BOOST_TEST(content_type_for("app.js") == "text/javascript; charset=utf-8");
  BOOST_TEST(content_type_for("logo.svg") == "image/svg+xml");
  BOOST_TEST(content_type_for("README") == "application/octet-stream");
  BOOST_TEST(content_type_for("x.exe") == "application/octet-stream");
}

BOOST_AUTO_TEST_CASE(bare_ui__redirects_to_the_slash) {
  const auto r = dashboard_reply("/ui", true, "");
  BOOST_TEST(r.status == 301);
  BOOST_TEST(header(r, "Location").value_or("") == "/ui/");
}

BOOST_AUTO_TEST_CASE(root__serves_index_html_with_security_headers) {
  const auto r = dashboard_reply("/ui/", true, "");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.content_type == "text/html; charset=utf-8");
  BOOST_TEST(r.body.find("<!doctype html>") == 0u);
  BOOST_TEST(header(r, "Content-Security-Policy").value_or("") == coord::ui::kContentSecurityPolicy);
  BOOST_TEST(header(r, "X-Content-Type-Options").value_or("") == "nosniff");
  BOOST_TEST(header(r, "Cache-Control").value_or("") == "no-cache");
  const std::string etag = header(r, "ETag").value_or("");
  BOOST_TEST(etag.size() == 18u);  // 16 hex digits, quoted
  BOOST_TEST(dashboard_reply("/ui/index.html", true, "").body == r.body);
}

BOOST_AUTO_TEST_CASE(every_embedded_asset__is_served_with_its_type) {
  BOOST_REQUIRE(coord::ui::kEmbeddedAssetCount >= 3u);
  for (std::size_t i = 0; i < coord::ui::kEmbeddedAssetCount; ++i) {
    const auto& a = coord::ui::kEmbeddedAssets[i];
    const auto r = dashboard_reply("/ui/" + std::string(a.name), true, "");
    BOOST_TEST(r.status == 200, a.name);
    BOOST_TEST(r.content_type == content_type_for(a.name));
    BOOST_TEST(r.body == a.content);
    BOOST_TEST(!a.content.empty());
  }
  // The page loads only what is embedded: its script and style sheet, from the server itself.
  const std::string index = dashboard_reply("/ui/", true, "").body;
  BOOST_TEST(index.find("src=\"app.js\"") != std::string::npos);
  BOOST_TEST(index.find("href=\"app.css\"") != std::string::npos);
  BOOST_TEST(index.find("://") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(unknown_asset__gets_the_plain_text_404) {
  for (const char* path : {"/ui/nope.js", "/ui/assets/app.js", "/ui/app.js/"}) {
    const auto r = dashboard_reply(path, true, "");
    BOOST_TEST(r.status == 404, path);
    BOOST_TEST(r.content_type == "text/plain; charset=utf-8");
    BOOST_TEST(r.body == "404 page not found\n");
  }
}

BOOST_AUTO_TEST_CASE(other_methods__get_405) {
  const auto r = dashboard_reply("/ui/app.js", false, "");
  BOOST_TEST(r.status == 405);
  BOOST_TEST(header(r, "Allow").value_or("") == "GET, HEAD");
}

BOOST_AUTO_TEST_CASE(if_none_match__with_the_etag_gets_304) {
  const std::string etag = header(dashboard_reply("/ui/app.js", true, ""), "ETag").value();
  for (const std::string& h : {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
    const auto r = dashboard_reply("/ui/app.js", true, h);
    BOOST_TEST(r.status == 304, h);
    BOOST_TEST(r.body.empty());
    BOOST_TEST(header(r, "ETag").value_or("") == etag);
  }
  const auto changed = dashboard_reply("/ui/app.js", true, "\"0000000000000000\"");
  BOOST_TEST(changed.status == 200);
  BOOST_TEST(!changed.body.empty());
  // Each asset has its own validator.
  BOOST_TEST(dashboard_reply("/ui/app.css", true, etag).status == 200);
}

BOOST_AUTO_TEST_CASE(hostile_paths_and_validators__are_a_plain_404_or_a_full_answer) {
  // Names that are no asset (a NUL, an escape, a dot segment, a long name) are 404, never a file.
  constexpr char nul_name[] = "/ui/app.js\0.css";
  const std::string nul(nul_name, sizeof nul_name - 1);
  for (const std::string& path : {nul, std::string("/ui/%2e%2e/etc/passwd"), std::string("/ui/../Jamroot"),
                                  std::string("/ui//app.js"), "/ui/" + std::string(100000, 'a')}) {
    const auto r = dashboard_reply(path, true, "");
    BOOST_TEST(r.status == 404, path.substr(0, 40));
    BOOST_TEST(r.body == "404 page not found\n");
  }
  // If-None-Match that names nothing (separators only, garbage, NULs, a huge list) is a full 200.
  constexpr char binary_list[] = "\0\xff\r\n\"";
  const std::string binary(binary_list, sizeof binary_list - 1);
  for (const std::string& h : {std::string(","), std::string(" , ,, "), std::string("W/"), binary,
                               std::string("\"unterminated"), std::string(200000, ',')}) {
    const auto r = dashboard_reply("/ui/app.js", true, h);
    BOOST_TEST(r.status == 200);
    BOOST_TEST(!r.body.empty());
  }
}

BOOST_AUTO_TEST_CASE(recipes_view__defaults_to_the_documented_prefixes) {
  // app.js finds the recipes' keys without configuration: its defaults are key_layouts.hpp's.
  const std::string app = dashboard_reply("/ui/app.js", true, "").body;
  namespace r = coord::recipes;
  for (const char* prefix : {r::kServicesPrefix, r::kLocksPrefix, r::kSequencedLocksPrefix, r::kReadWriteLocksPrefix,
                             r::kSemaphoresPrefix, r::kElectionsPrefix, r::kJobsPrefix, r::kWorkQueuesPrefix})
    BOOST_TEST(app.find('"' + std::string(prefix) + '"') != std::string::npos, prefix);
}

BOOST_AUTO_TEST_SUITE_END()
