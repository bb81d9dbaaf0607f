#include "server/http/url.hpp"

#include <boost/test/unit_test.hpp>
#include <random>
#include <string>

using namespace coord::http;

namespace {

std::string query_error(std::string_view in) {
  std::string out, error;
  BOOST_TEST(!query_unescape(in, out, &error));
  return error;
}

std::optional<std::string> location_of(std::string_view target) {
  const std::optional<RequestTarget> t = parse_request_target(target);
  BOOST_TEST_REQUIRE(t.has_value());
  const std::optional<Redirect> r = redirect_for(*t);
  if (!r) return std::nullopt;
  return r->location;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(request_target)

BOOST_AUTO_TEST_CASE(parse__decodes_path_escapes_keeping_utf8_and_plus) {
  auto t = parse_request_target("/v2/keys/sp%20ace/%E2%9C%93?x=1");
  BOOST_TEST_REQUIRE(t.has_value());
  BOOST_TEST(t->path == "/v2/keys/sp ace/\xE2\x9C\x93");
  BOOST_TEST(t->raw_query == "x=1");
  BOOST_TEST(t->has_query);
  BOOST_TEST(parse_request_target("/v2/keys/a+b")->path == "/v2/keys/a+b");
  // A17: %2F becomes a separator.
  BOOST_TEST(parse_request_target("/v2/keys/a%2Fb")->path == "/v2/keys/a/b");
}

BOOST_AUTO_TEST_CASE(parse__bad_path_escape_is_a_plain_400) {
  // F35: answered by the HTTP layer, not by etcd.
  BOOST_TEST(!parse_request_target("/v2/keys/%zz").has_value());
  BOOST_TEST(!parse_request_target("/v2/keys/%4").has_value());
  BOOST_TEST(!parse_request_target("/v2/keys/a%").has_value());
}

BOOST_AUTO_TEST_CASE(parse__query_is_kept_raw_and_not_checked) {
  auto t = parse_request_target("/v2/keys/x?value=%zz&a=b?c");
  BOOST_TEST_REQUIRE(t.has_value());
  BOOST_TEST(t->path == "/v2/keys/x");
  BOOST_TEST(t->raw_query == "value=%zz&a=b?c");
  auto no_query = parse_request_target("/v2/keys/x");
  BOOST_TEST(!no_query->has_query);
}

BOOST_AUTO_TEST_CASE(parse__star_absolute_form_and_rejects) {
  BOOST_TEST(parse_request_target("*")->path == "*");
  auto abs = parse_request_target("http://127.0.0.1:2379/v2/keys/x?y=1");
  BOOST_TEST_REQUIRE(abs.has_value());
  BOOST_TEST(abs->path == "/v2/keys/x");
  BOOST_TEST(abs->raw_query == "y=1");
  BOOST_TEST(!parse_request_target("").has_value());
  BOOST_TEST(!parse_request_target("v2/keys").has_value());
  BOOST_TEST(!parse_request_target("ftp://h/x").has_value());
  BOOST_TEST(!parse_request_target("/v2/keys/a\x01").has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(unescape)

BOOST_AUTO_TEST_CASE(query__plus_is_space_and_escapes_decode) {
  std::string out;
  BOOST_TEST(query_unescape("a+b%20c%2B%e9", out));
  BOOST_TEST(out == "a b c+\xE9");
}

BOOST_AUTO_TEST_CASE(query__bad_escape_gives_go_error_text) {
  BOOST_TEST(query_error("%zz") == "invalid URL escape \"%zz\"");
  BOOST_TEST(query_error("abc%zzdef") == "invalid URL escape \"%zz\"");
  BOOST_TEST(query_error("x%4") == "invalid URL escape \"%4\"");
  BOOST_TEST(query_error("%") == "invalid URL escape \"%\"");
  BOOST_TEST(query_error("%g1") == "invalid URL escape \"%g1\"");
  // strconv.Quote: printable UTF-8 raw, invalid bytes as \x, quotes escaped.
  BOOST_TEST(query_error("%\xC3\xA9") == "invalid URL escape \"%\xC3\xA9\"");
  BOOST_TEST(query_error("%\xff\xfe") == "invalid URL escape \"%\\xff\\xfe\"");
  BOOST_TEST(query_error("%\"\\") == "invalid URL escape \"%\\\"\\\\\"");
  BOOST_TEST(query_error("%\n") == "invalid URL escape \"%\\n\"");
}

BOOST_AUTO_TEST_CASE(path__plus_stays_and_bad_escape_fails) {
  std::string out;
  BOOST_TEST(path_unescape("/a+b%2F%2e", out));
  BOOST_TEST(out == "/a+b/.");
  BOOST_TEST(!path_unescape("/%zz", out));
}

BOOST_AUTO_TEST_CASE(query__matches_a_byte_by_byte_decoder_on_random_input) {
  // Runs without escapes are copied in one append each: random mixes of plain bytes, '+',
  // good and bad escapes (also at the very end) decode as Go's byte-by-byte loop does.
  const auto reference = [](std::string_view in, bool plus, std::string& out) {
    const auto hex = [](char c) {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    out.clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
      if (in[i] == '%') {
        if (i + 2 >= in.size() || hex(in[i + 1]) < 0 || hex(in[i + 2]) < 0) return false;
        out.push_back(static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2])));
        i += 2;
      } else {
        out.push_back(plus && in[i] == '+' ? ' ' : in[i]);
      }
    }
    return true;
  };
  const std::string_view pieces[] = {"abcdefghijklmnopqrstuvwxyz0123456789", "v", "+", "%20", "%2B", "%e9", "%", "%4", "%zz", "\xff"};
  std::mt19937 rng(7);  // fixed seed: deterministic
  for (int round = 0; round < 3000; ++round) {
    std::string in;
    const int n = static_cast<int>(rng() % 60);
    for (int k = 0; k < n; ++k) in += pieces[rng() % 5 == 0 ? rng() % std::size(pieces) : rng() % 2];
    std::string want, got_query, got_path;
    const bool ok = reference(in, true, want);
    BOOST_TEST_CONTEXT("round " << round << " input " << in) {
      BOOST_TEST(query_unescape(in, got_query) == ok);
      if (ok) BOOST_TEST(got_query == want);
      const bool path_ok = reference(in, false, want);
      BOOST_TEST(path_unescape(in, got_path) == path_ok);
      if (path_ok) BOOST_TEST(got_path == want);
    }
  }
}

BOOST_AUTO_TEST_CASE(query__long_value_with_escapes_at_either_end) {
  const std::string run(1 << 20, 'v');
  std::string out;
  BOOST_TEST(query_unescape(run, out));
  BOOST_TEST(out == run);
  BOOST_TEST(query_unescape("%3C" + run + "+", out));
  BOOST_TEST(out == "<" + run + " ");
  BOOST_TEST(query_error(run + "%z") == "invalid URL escape \"%z\"");
}

BOOST_AUTO_TEST_CASE(escape_path__as_go_url_string) {
  BOOST_TEST(escape_path("/v2/keys/sp ace/\xE2\x9C\x93") == "/v2/keys/sp%20ace/%E2%9C%93");
  BOOST_TEST(escape_path("/a-_.~$&+,:;=@b") == "/a-_.~$&+,:;=@b");
  BOOST_TEST(escape_path("/a?b#c%d!e") == "/a%3Fb%23c%25d%21e");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(path_cleaning)

BOOST_AUTO_TEST_CASE(path_clean__go_table) {
  BOOST_TEST(path_clean("") == ".");
  BOOST_TEST(path_clean("/") == "/");
  BOOST_TEST(path_clean("//") == "/");
  BOOST_TEST(path_clean("abc") == "abc");
  BOOST_TEST(path_clean("abc/") == "abc");
  BOOST_TEST(path_clean("a//b") == "a/b");
  BOOST_TEST(path_clean("a/./b/.") == "a/b");
  BOOST_TEST(path_clean("/../x") == "/x");
  BOOST_TEST(path_clean("a/../..") == "..");
  BOOST_TEST(path_clean("../../a") == "../../a");
  BOOST_TEST(path_clean("/a/b/../../..") == "/");
  BOOST_TEST(path_clean("/a/b/c/../d/") == "/a/b/d");
  BOOST_TEST(path_clean("/..a/b..") == "/..a/b..");
}

BOOST_AUTO_TEST_CASE(path_clean__is_idempotent_and_leaves_no_dot_or_empty_elements) {
  std::mt19937 rng(20261121);  // fixed seed: deterministic
  const char alphabet[] = {'/', '.', 'a', 'b'};
  for (int round = 0; round < 20000; ++round) {
    std::string p(rng() % 12, ' ');
    for (char& c : p) c = alphabet[rng() % 4];
    const std::string once = path_clean(p);
    BOOST_TEST_CONTEXT("path " << p) {
      BOOST_TEST(path_clean(once) == once);
      BOOST_TEST(once.find("//") == std::string::npos);
      BOOST_TEST(once.find("/./") == std::string::npos);
      BOOST_TEST((once.size() <= 1 || once.back() != '/'));
      if (!p.empty() && p[0] == '/') {
        BOOST_TEST(once[0] == '/');
        BOOST_TEST(once.find("/../") == std::string::npos);
        BOOST_TEST(once != "/..");  // nothing climbs above the root
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(mux_clean__keeps_trailing_slash_and_roots) {
  BOOST_TEST(mux_clean_path("") == "/");
  BOOST_TEST(mux_clean_path("/v2/keys/") == "/v2/keys/");
  BOOST_TEST(mux_clean_path("/v2//keys//") == "/v2/keys/");
  BOOST_TEST(mux_clean_path("x/y") == "/x/y");
  BOOST_TEST(mux_clean_path("/") == "/");
}

BOOST_AUTO_TEST_CASE(redirect__run_sh_cases_a21_a22_a30_a31) {
  BOOST_TEST(location_of("/v2/keys//x//y").value_or("none") == "/v2/keys/x/y");
  BOOST_TEST(location_of("/v2/keys/a/./b").value_or("none") == "/v2/keys/a/b");
  BOOST_TEST(location_of("/v2/keys/%2E%2E/x").value_or("none") == "/v2/x");
  BOOST_TEST(location_of("/v2/keys//x?recursive=true").value_or("none") ==
             "/v2/keys/x?recursive=true");
}

BOOST_AUTO_TEST_CASE(redirect__html_body_as_go_writes_it) {
  auto r = redirect_for(*parse_request_target("/v2/keys/a/./b"));
  BOOST_TEST_REQUIRE(r.has_value());
  BOOST_TEST(r->html_body == "<a href=\"/v2/keys/a/b\">Moved Permanently</a>.\n\n");
  auto q = redirect_for(*parse_request_target("//x?a=1&b='\xC3\xA9"));
  BOOST_TEST_REQUIRE(q.has_value());
  BOOST_TEST(q->location == "/x?a=1&b='%C3%A9");
  BOOST_TEST(q->html_body == "<a href=\"/x?a=1&amp;b=&#39;\xC3\xA9\">Moved Permanently</a>.\n\n");
}

BOOST_AUTO_TEST_CASE(redirect__clean_paths_are_routed) {
  BOOST_TEST(!location_of("/v2/keys").has_value());
  BOOST_TEST(!location_of("/v2/keys/").has_value());
  BOOST_TEST(!location_of("/v2/keys/trail/").has_value());
  BOOST_TEST(!location_of("/v2/keys/a%2Fb").has_value());
  BOOST_TEST(!location_of("/v2/keys/sp%20ace?x=%zz").has_value());
  BOOST_TEST(!location_of("*").has_value());
}

BOOST_AUTO_TEST_CASE(redirect__escapes_and_keeps_empty_query_mark) {
  BOOST_TEST(location_of("/v2/keys//sp%20ace/%E2%9C%93").value_or("none") ==
             "/v2/keys/sp%20ace/%E2%9C%93");
  BOOST_TEST(location_of("/v2//keys/").value_or("none") == "/v2/keys/");
  BOOST_TEST(location_of("//a?").value_or("none") == "/a?");
  BOOST_TEST(location_of("/..").value_or("none") == "/");
  // Paths one trailing slash away from clean: only a clean one is routed as it is.
  BOOST_TEST(location_of("//").value_or("none") == "/");
  BOOST_TEST(location_of("/a//").value_or("none") == "/a/");
  BOOST_TEST(location_of("/a/./").value_or("none") == "/a/");
  BOOST_TEST(location_of("/a/.").value_or("none") == "/a");
  // Escaped slashes become real ones first: a%2F%2Fb is a//b.
  BOOST_TEST(location_of("/v2/keys/a%2F%2Fb").value_or("none") == "/v2/keys/a/b");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(form_values)

BOOST_AUTO_TEST_CASE(query__first_value_wins_and_empty_segments_skip) {
  FormValues f;
  BOOST_TEST(parse_query_into("value=a&&value=b&flag&e=", f).empty());
  BOOST_TEST(f.size() == 4u);
  BOOST_TEST(f.value("value") == "a");
  BOOST_TEST(f.has("flag"));
  BOOST_TEST(f.value("flag") == "");
  BOOST_TEST(f.has("e"));
  BOOST_TEST(!f.has("missing"));
  BOOST_TEST(f.first("missing") == nullptr);
}

BOOST_AUTO_TEST_CASE(take_first__moves_the_first_value_out) {
  FormValues f;
  BOOST_TEST(parse_query_into("value=a&value=b&x=1", f).empty());
  BOOST_TEST(f.take_first("value") == "a");
  BOOST_TEST(f.has("value"));          // still given, now empty
  BOOST_TEST(f.value("value") == "");
  BOOST_TEST(f.take_first("missing") == "");
  BOOST_TEST(f.value("x") == "1");
}

BOOST_AUTO_TEST_CASE(query__names_are_unescaped_too) {
  FormValues f;
  BOOST_TEST(parse_query_into("%72ecursive=true&a+b=c+d", f).empty());
  BOOST_TEST(f.value("recursive") == "true");
  BOOST_TEST(f.value("a b") == "c d");
}

BOOST_AUTO_TEST_CASE(query__bad_segment_is_skipped_first_error_kept) {
  FormValues f;
  BOOST_TEST(parse_query_into("x=%zz&value=v&y=%qq", f) == "invalid URL escape \"%zz\"");
  BOOST_TEST(f.value("value") == "v");
  BOOST_TEST(!f.has("x"));
}

BOOST_AUTO_TEST_CASE(query__semicolon_is_an_error_that_overrides_escape_errors) {
  FormValues f;
  BOOST_TEST(parse_query_into("a=1;b=2&c=3", f) == "invalid semicolon separator in query");
  BOOST_TEST(f.value("c") == "3");
  FormValues g;
  BOOST_TEST(parse_query_into("x=%zz&a;b", g) == "invalid semicolon separator in query");
  BOOST_TEST(parse_query_into("a=%3B", g).empty());
}

BOOST_AUTO_TEST_CASE(form__body_values_come_before_query_values) {
  FormValues f;
  BOOST_TEST(!parse_form("PUT", "application/x-www-form-urlencoded", "value=body",
                         "value=query&ttl=5", f));
  BOOST_TEST(f.value("value") == "body");  // A12
  BOOST_TEST(f.value("ttl") == "5");
  BOOST_TEST(f.entries().front().second == "body");
}

BOOST_AUTO_TEST_CASE(form__only_urlencoded_bodies_of_post_put_patch_are_read) {
  FormValues json;
  BOOST_TEST(!parse_form("PUT", "application/json", "{\"value\":\"x\"}", "", json));  // A14
  BOOST_TEST(json.size() == 0u);
  FormValues none;
  BOOST_TEST(!parse_form("PUT", "", "value=x", "", none));  // no Content-Type
  BOOST_TEST(none.size() == 0u);
  FormValues del;
  BOOST_TEST(!parse_form("DELETE", "application/x-www-form-urlencoded", "prevValue=x", "", del));
  BOOST_TEST(del.size() == 0u);
  FormValues get;
  BOOST_TEST(!parse_form("GET", "application/x-www-form-urlencoded", "value=x", "a=1", get));
  BOOST_TEST(get.size() == 1u);
  FormValues post;
  BOOST_TEST(!parse_form("POST", "application/x-www-form-urlencoded", "value=x", "", post));
  BOOST_TEST(post.value("value") == "x");
}

BOOST_AUTO_TEST_CASE(form__media_type_parameters_and_case_are_ignored) {
  FormValues f;
  BOOST_TEST(!parse_form("PUT", "Application/X-WWW-Form-Urlencoded ; charset=utf-8", "value=1",
                         "", f));
  BOOST_TEST(f.value("value") == "1");
  FormValues g;
  BOOST_TEST(!parse_form("PUT", "application/x-www-form-urlencoded;", "value=2", "", g));
  BOOST_TEST(g.value("value") == "2");
  FormValues h;
  BOOST_TEST(!parse_form("PUT", "application/x-www-form-urlencoded; q=\"a;b\"", "value=3", "", h));
  BOOST_TEST(h.value("value") == "3");
}

BOOST_AUTO_TEST_CASE(form__bad_escape_in_body_or_query_is_error_210) {
  FormValues f;
  auto body = parse_form("PUT", "application/x-www-form-urlencoded", "value=%zz", "", f);  // F34
  BOOST_TEST_REQUIRE(body.has_value());
  BOOST_TEST(body->code == 210);
  BOOST_TEST(body->cause == "invalid URL escape \"%zz\"");
  BOOST_TEST(body->index == 0u);
  BOOST_TEST(body->message() == "Invalid POST form");
  FormValues g;
  auto query = parse_form("GET", "", "", "x=%zz", g);  // F33
  BOOST_TEST_REQUIRE(query.has_value());
  BOOST_TEST(query->cause == "invalid URL escape \"%zz\"");
  FormValues h;
  auto both = parse_form("PUT", "application/x-www-form-urlencoded", "a=%b1%4", "x=%zz", h);
  BOOST_TEST_REQUIRE(both.has_value());
  BOOST_TEST(both->cause == "invalid URL escape \"%4\"");  // the body's error wins
}

BOOST_AUTO_TEST_CASE(form__malformed_content_type_is_error_210) {
  FormValues f;
  auto bad_param = parse_form("PUT", "application/x-www-form-urlencoded; charset", "value=1", "", f);
  BOOST_TEST_REQUIRE(bad_param.has_value());
  BOOST_TEST(bad_param->cause == "mime: invalid media parameter");
  BOOST_TEST(f.value("value") == "1");  // Go still reads the form
  FormValues g;
  auto no_type = parse_form("POST", "/json", "value=1", "", g);
  BOOST_TEST_REQUIRE(no_type.has_value());
  BOOST_TEST(no_type->cause == "mime: no media type");
  BOOST_TEST(g.size() == 0u);
  FormValues h;
  auto dup = parse_form("PUT", "application/x-www-form-urlencoded; a=1; A=2", "value=1", "", h);
  BOOST_TEST_REQUIRE(dup.has_value());
  BOOST_TEST(dup->cause == "mime: duplicate parameter name");
  BOOST_TEST(h.size() == 0u);
}

BOOST_AUTO_TEST_CASE(form__body_over_ten_mebibytes_is_rejected) {
  FormValues f;
  std::string body = "value=" + std::string(kMaxFormBodyBytes, 'x');
  auto e = parse_form("PUT", "application/x-www-form-urlencoded", body, "", f);
  BOOST_TEST_REQUIRE(e.has_value());
  BOOST_TEST(e->cause == "http: POST too large");
}

BOOST_AUTO_TEST_CASE(media_type__go_errors) {
  std::string type, error;
  BOOST_TEST(parse_media_type("text/plain; charset=\"utf-8\"", type, error));
  BOOST_TEST(type == "text/plain");
  BOOST_TEST(!parse_media_type("text/", type, error));
  BOOST_TEST(error == "mime: expected token after slash");
  BOOST_TEST(!parse_media_type("text plain", type, error));
  BOOST_TEST(error == "mime: expected slash after first token");
  BOOST_TEST(!parse_media_type("text/plain x", type, error));
  BOOST_TEST(error == "mime: unexpected content after media subtype");
  BOOST_TEST(parse_media_type("multipart", type, error));
  BOOST_TEST(type == "multipart");
}

BOOST_AUTO_TEST_SUITE_END()
