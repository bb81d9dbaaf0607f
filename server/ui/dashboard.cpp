#include "server/ui/dashboard.hpp"

#include <string>
#include <vector>

#include "server/common/sha1.hpp"
#include "server/ui/embedded_assets.hpp"

namespace coord::ui {
namespace {

constexpr std::string_view kRoot = "/ui";
constexpr std::string_view kIndex = "index.html";

struct ServedAsset {
  std::string_view name;
  std::string_view content;
  std::string_view content_type;
  std::string etag;  // a strong validator: the first 8 bytes of the content's SHA-1, quoted
};

std::string etag_of(std::string_view content) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto digest = sha1(content);
  std::string out = "\"";
  for (std::size_t i = 0; i < 8; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out + "\"";
}

// Built once, on first use (a function-local static: thread-safe initialization).
const std::vector<ServedAsset>& served_assets() {
  static const std::vector<ServedAsset> assets = [] {
    std::vector<ServedAsset> out;
    for (std::size_t i = 0; i < kEmbeddedAssetCount; ++i) {
      const EmbeddedAsset& a = kEmbeddedAssets[i];
      out.push_back({a.name, a.content, content_type_for(a.name), etag_of(a.content)});
    }
    return out;
  }();
  return assets;
}

const ServedAsset* find_asset(std::string_view name) {
  for (const auto& a : served_assets())
    if (a.name == name) return &a;
  return nullptr;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 9110 §13.1.2: "*" or a list of entity tags, compared weakly (a W/ prefix is ignored).
bool none_match_names(std::string_view header, std::string_view etag) {
  if (trim(header) == "*") return true;
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view tag = trim(header.substr(0, comma));
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == etag) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

void add_security_headers(http::Reply& r) {
  r.header("Content-Security-Policy", kContentSecurityPolicy);
  r.header("X-Content-Type-Options", "nosniff");
  r.header("Referrer-Policy", "no-referrer");
}

}  // namespace

bool is_dashboard_path(std::string_view path) {
  return path == kRoot || (path.size() > kRoot.size() && path.substr(0, kRoot.size()) == kRoot && path[kRoot.size()] == '/');
}

std::string_view content_type_for(std::string_view asset_name) {
  const auto dot = asset_name.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? std::string_view{} : asset_name.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "js") return "text/javascript; charset=utf-8";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "json") return "application/json";
  return "application/octet-stream";
}

http::Reply dashboard_reply(std::string_view path, bool get_or_head, std::string_view if_none_match) {
  if (path == kRoot) {
    // As Go's ServeMux answers a subtree's bare name: a 301 to the name with its slash.
    http::Reply r{301, {}, {}, {}};
    r.header("Location", "/ui/");
    return r;
  }
  std::string_view name = path.substr(kRoot.size() + 1);
  if (name.empty()) name = kIndex;
  const ServedAsset* asset = find_asset(name);
  if (asset == nullptr) return http::not_found_reply();
  if (!get_or_head) return http::method_not_allowed_reply("GET, HEAD");
  http::Reply r{200, asset->content_type, {}, {}};
  if (!if_none_match.empty() && none_match_names(if_none_match, asset->etag)) {
    r.status = 304;
    r.content_type = {};
  } else {
    r.body.assign(asset->content);
  }
  r.header("ETag", asset->etag);
  // The assets change with every build of coordd: cache, but revalidate each time (cheap: 304).
  r.header("Cache-Control", "no-cache");
  add_security_headers(r);
  return r;
}

}  // namespace coord::ui
