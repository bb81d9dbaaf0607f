// Dashboard: the answers coordd gives on its client URLs for the built-in web dashboard — "/ui"
// (a redirect to "/ui/"), "/ui/" (index.html) and "/ui/<asset>" (server/ui/assets/, compiled in).
// The assets hold no data: the page reads and writes everything through the ordinary v2 API, so
// they are served without credentials and v2 auth applies to the page's requests unchanged.
// Pure functions over constant tables; safe for concurrent use.
#pragma once

#include <string_view>

#include "server/http/reply.hpp"

namespace coord::ui {

// The Content-Security-Policy of every dashboard answer: scripts, styles and requests from the
// server itself only (no inline script, no other origin), no framing.
inline constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// True for the paths the dashboard answers: "/ui" and everything under "/ui/".
bool is_dashboard_path(std::string_view path);

// The Content-Type an asset is served with, from its file name's extension
// ("application/octet-stream" for an unknown one).
std::string_view content_type_for(std::string_view asset_name);

// The answer for `path` (a clean path, is_dashboard_path true). `get_or_head`: the request's
// method is GET or HEAD (anything else gets 405); `if_none_match`: the request's If-None-Match
// header ("" when absent), answered with 304 when it names the asset's ETag. An unknown asset
// gets the plain-text 404 of any unknown path. The caller sets head_only for HEAD.
http::Reply dashboard_reply(std::string_view path, bool get_or_head, std::string_view if_none_match);

}  // namespace coord::ui
