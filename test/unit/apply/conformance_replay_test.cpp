// Replays the keys requests of the conformance probe (test/conformance/run.sh, groups A–W)
// through Applier and Store, prints each answer in the probe's summary format and compares it
// with what real etcd 3.4 printed (conformance_expected.hpp). What the http layer decides
// (parameter parsing, JSON, HTTP framing) is given: requests are built already parsed, and the
// header part is derived from the answer as the http layer will (status, X-Etcd-Index,
// X-Raft-* only on success). Time is virtual; the 500 ms SYNC of the leader is an explicit step.
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "server/apply/applier.hpp"
#include "test/unit/apply/conformance_expected.hpp"

using namespace coord;
using namespace coord::apply;
using namespace coord::store;

namespace {

constexpr UnixNanos kStart = 1'790'000'000LL * kNanosPerSecond;

std::string json_string(const std::string& s) {  // jq's @json for a string
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

class Probe {
 public:
  Probe() {
    // A fresh single-member etcd is at index 3 before any user request.
    store_.add_member(Member{0x2e1259d415f2a040, "", {"http://127.0.0.1:2380"}, {}});
    store_.set_cluster_version("3.4.0");
    store_.publish_member_attributes(0x2e1259d415f2a040, "default", {"http://127.0.0.1:2379"});
    base_ = store_.index();
    std::istringstream in(kExpectedEtcd34);
    std::string line;
    while (std::getline(in, line)) {
      auto bar = line.find(" | ");
      if (bar != std::string::npos) expected_[line.substr(0, bar)] = line.substr(bar + 3);
    }
  }

  UnixNanos now = kStart;
  Store& store() { return store_; }
  std::uint64_t base() const { return base_; }

  std::string rel(std::uint64_t x, bool zero_is_absent) const {
    if (x == 0) return zero_is_absent ? "-" : "0";
    long long d = static_cast<long long>(x) - static_cast<long long>(base_);
    std::string out = d >= 0 ? "i+" : "i";
    return out.append(std::to_string(d));
  }

  std::string key_summary(const std::string& key) const {
    if (key.empty()) return "<none>";
    auto slash = key.rfind('/');
    std::string last = key.substr(slash + 1);
    if (last.size() == 20 && last.find_first_not_of("0123456789") == std::string::npos) {
      return key.substr(0, slash) + "/#seq(" + rel(std::stoull(last), true) + ")";
    }
    return key;
  }

  std::string node_summary(const NodeExtern& n, bool sorted_check) const {
    std::string s = "key=" + key_summary(n.key);
    if (n.dir) s += " dir";
    if (n.value) s += " val=" + (n.value->size() > 48 ? "<len " + std::to_string(n.value->size()) + ">" : json_string(*n.value));
    if (n.ttl != 0) s += " ttl=" + std::to_string(n.ttl);
    if (n.expiration) s += " exp=Z";
    s += " mi=" + rel(n.modified_index, true) + " ci=" + rel(n.created_index, true);
    if (!n.nodes.empty()) {
      std::vector<const NodeExtern*> by_key;
      for (const auto& c : n.nodes) by_key.push_back(&c);
      std::stable_sort(by_key.begin(), by_key.end(), [](auto* a, auto* b) { return a->key < b->key; });
      s += " nodes=[";
      for (std::size_t i = 0; i < by_key.size(); ++i) s += (i ? ", " : "") + node_summary(*by_key[i], sorted_check);
      s += "]";
      if (sorted_check) {
        bool asc = std::is_sorted(n.nodes.begin(), n.nodes.end(), [](auto& a, auto& b) { return a.key < b.key; });
        s += asc ? " order=asc" : " order=unsorted";
      }
    }
    return s;
  }

  std::string event_summary(const Event& e, bool sorted_check = false) const {
    std::string s = "action=" + e.action + " node{" + node_summary(e.node, sorted_check) + "}";
    if (e.prev_node) s += " prev{" + node_summary(*e.prev_node, sorted_check) + "}";
    return s;
  }

  // The probe's nrel: numbers between "[", "/" or " " and "]" or "/" that look like indexes.
  std::string relative_cause(const std::string& c) const {
    std::string out;
    std::size_t i = 0;
    while (i < c.size()) {
      if (std::isdigit(static_cast<unsigned char>(c[i])) && i > 0 && (c[i - 1] == '[' || c[i - 1] == '/' || c[i - 1] == ' ')) {
        std::size_t j = i;
        while (j < c.size() && std::isdigit(static_cast<unsigned char>(c[j]))) ++j;
        std::uint64_t x = std::stoull(c.substr(i, j - i));
        if (j < c.size() && (c[j] == ']' || c[j] == '/') && x >= base_ && x < base_ + 1000000) {
          out += rel(x, false);
        } else {
          out += c.substr(i, j - i);
        }
        i = j;
      } else {
        out += c[i++];
      }
    }
    return out;
  }

  std::string error_line(const V2Error& e) const {
    std::string cause = "<absent>";
    if (!e.cause.empty()) cause = json_string(e.code == 101 || e.code == 401 ? relative_cause(e.cause) : e.cause);
    return std::to_string(e.http_status()) + " | E=" + rel(e.index, false) + " C cors ct=application/json | err=" +
           std::to_string(e.code) + " msg=" + json_string(std::string(e.message())) + " cause=" + cause +
           " index=" + rel(e.index, false);
  }

  std::string line(const V2Result<Event>& r, bool sorted_check = false) const {
    if (!r.ok()) return error_line(r.error());
    const Event& e = r.value();
    return std::string(e.is_created() ? "201" : "200") + " | E=" + rel(e.etcd_index, false) +
           " R T C cors ct=application/json | " + event_summary(e, sorted_check);
  }

  std::string line(const Response& r) const {
    if (!r.ok()) return error_line(r.error());
    return line(V2Result<Event>(r.event()));
  }

  Response apply(Request r) {
    r.time = now;
    r.id = next_id_++;
    return applier_.apply(r);
  }

  void sync(UnixNanos at) {
    now = at;
    Request r;
    r.method = Method::kSync;
    apply(r);
  }

  void check(const std::string& tag, const std::string& got) {
    auto it = expected_.find(tag);
    BOOST_TEST_CONTEXT(tag) {
      BOOST_REQUIRE(it != expected_.end());
      BOOST_TEST(got == it->second);
    }
    checked_.push_back(tag);
  }

  std::string stats_delta(const StoreStats& a, const StoreStats& b) const {
    std::vector<std::string> parts;
    auto fa = a.fields();
    auto fb = b.fields();
    for (std::size_t i = 0; i < fa.size(); ++i) {
      std::string name = fa[i].first;
      if (name == "watchers" || name.rfind("gets", 0) == 0) continue;
      long long d = static_cast<long long>(fb[i].second) - static_cast<long long>(fa[i].second);
      if (d != 0) parts.push_back(name + "+" + std::to_string(d));
    }
    std::sort(parts.begin(), parts.end());
    std::string s;
    for (std::size_t i = 0; i < parts.size(); ++i) s += (i ? " " : "") + parts[i];
    return "- | - | " + (s.empty() ? std::string("none") : s);
  }

  std::size_t checked() const { return checked_.size(); }

 private:
  Store store_;
  Applier applier_{store_};
  std::uint64_t base_ = 0;
  std::uint64_t next_id_ = 1;
  std::map<std::string, std::string> expected_;
  std::vector<std::string> checked_;
};

// Request builders, already parsed as the http layer would hand them over.
struct Req {
  Request r;
  explicit Req(Method m, std::string path) { r.method = m; r.path = std::move(path); }
  Req& v(std::string x) { r.value = std::move(x); return *this; }
  Req& dir() { r.dir = true; return *this; }
  Req& rec() { r.recursive = true; return *this; }
  Req& exist(bool b) { r.prev_exist = b; return *this; }
  Req& pv(std::string x) { r.prev_value = std::move(x); return *this; }
  Req& pi(std::uint64_t x) { r.prev_index = x; return *this; }
  Req& refresh() { r.refresh = true; return *this; }
  Req& ttl(UnixNanos now, std::int64_t s) { r.expiration = now + s * kNanosPerSecond; return *this; }
  operator Request() const { return r; }  // NOLINT: builder
};
Req put(std::string p) { return Req(Method::kPut, std::move(p)); }
Req post(std::string p) { return Req(Method::kPost, std::move(p)); }
Req del(std::string p) { return Req(Method::kDelete, std::move(p)); }

// A watch as the http layer runs it: the sink collects what a client would read.
struct Watch {
  V2Result<WatchStart> start = V2Error{};
  std::shared_ptr<std::vector<EventPtr>> got = std::make_shared<std::vector<EventPtr>>();
};

Watch watch(Probe& p, const std::string& key, bool recursive, std::uint64_t wait_index, bool stream = false) {
  Watch w;
  auto got = w.got;
  w.start = p.store().watch(key, recursive, stream, wait_index, [got, stream](const EventPtr& e) {
    got->push_back(e);
    return stream;
  });
  return w;
}

std::string watch_line(Probe& p, Watch& w) {
  if (!w.start.ok()) return p.error_line(w.start.error());
  const WatchStart& s = w.start.value();
  std::vector<EventPtr> events = *w.got;
  if (s.immediate) events.insert(events.begin(), s.immediate);
  if (s.id != 0) p.store().unwatch(s.id);  // the client gave up (curl --max-time)
  std::string body;
  for (std::size_t i = 0; i < events.size(); ++i) body += (i ? " ;; " : "") + p.event_summary(*events[i]);
  return "200 | E=" + p.rel(s.etcd_index, false) + " R T C cors ct=application/json | " +
         (body.empty() ? std::string("<empty>") : body);
}

void group_a(Probe& p) {
  Store& s = p.store();
  p.check("A01-root-empty", p.line(s.get("/", false, false, p.now)));
  p.check("A02-root-noslash", p.line(s.get("", false, false, p.now)));
  p.check("A03-set-new", p.line(p.apply(put("/message").v("Hello world"))));
  p.check("A04-get", p.line(s.get("/message", false, false, p.now)));
  p.check("A05-set-existing", p.line(p.apply(put("/message").v("Hello etcd"))));
  p.check("A07-delete", p.line(p.apply(del("/message"))));
  p.check("A08-get-missing", p.line(s.get("/message", false, false, p.now)));
  p.check("A10-delete-missing", p.line(p.apply(del("/message"))));
  p.check("A11-put-no-value", p.line(p.apply(put("/novalue"))));
  p.check("A12-body-beats-query", p.line(p.apply(put("/prec").v("body"))));
  p.check("A13-query-only-value", p.line(p.apply(put("/qonly").v("query"))));
  p.check("A14-json-body-ignored", p.line(p.apply(put("/jsonbody"))));
  p.check("A15-first-of-multi", p.line(p.apply(put("/multi").v("a"))));
  p.check("A16-escaped-key", p.line(p.apply(put("/sp ace/\xE2\x9C\x93").v("u"))));
  p.check("A17-slash-escape", p.line(p.apply(put("/a/b").v("slash"))));
  p.check("A18-slash-escape-get", p.line(s.get("/a/b", false, false, p.now)));
  p.check("A19-trailing-slash", p.line(p.apply(put("/trail").v("t"))));
  p.check("A20-trailing-slash-get", p.line(s.get("/trail", false, false, p.now)));
  p.check("A23-json-escaping", p.line(p.apply(put("/esc").v("<a&b> \"q\" \\ \xC3\xA9"))));
  Request qget = Req(Method::kQGet, "/esc");
  p.check("A24-quorum-get", p.line(p.apply(qget)));
  p.check("A24b-quorum-get-missing", p.line(p.apply(Req(Method::kQGet, "/nothere"))));
  p.check("A24c-quorum-wait-is-plain-get", p.line(p.apply(qget)));
  p.check("A25-bool-spellings", p.line(p.apply(Req(Method::kQGet, "/esc").rec())));
  p.check("A26-get-file-recursive", p.line(s.get("/esc", true, true, p.now)));
  p.check("A27-get-novalue-flag", p.line(s.get("/esc", false, false, p.now)));
}

void group_b(Probe& p) {
  Store& s = p.store();
  p.check("B01-mkdir", p.line(p.apply(put("/dir").dir())));
  p.check("B02-mkdir-again", p.line(p.apply(put("/dir").dir())));
  p.check("B03-value-on-dir", p.line(p.apply(put("/dir").v("1"))));
  p.check("B04-file-in-dir", p.line(p.apply(put("/dir/a").v("1"))));
  p.check("B05-implicit-parents", p.line(p.apply(put("/dir/b/c").v("2"))));
  p.check("B06-hidden-in-dir", p.line(p.apply(put("/dir/_hidden").v("h"))));
  p.check("B07-list", p.line(s.get("/dir", false, false, p.now)));
  p.check("B08-list-recursive-sorted", p.line(s.get("/dir", true, true, p.now), true));
  p.check("B09-get-hidden-direct", p.line(s.get("/dir/_hidden", false, false, p.now)));
  StoreStats b0 = s.stats();
  p.check("B10-get-under-file", p.line(s.get("/dir/a/x", false, false, p.now)));
  p.check("B11-put-under-file", p.line(p.apply(put("/dir/a/x").v("1"))));
  p.check("B12-post-under-file", p.line(p.apply(post("/dir/a").v("1"))));
  p.check("B13-create-under-file", p.line(p.apply(put("/dir/a/x").exist(false).v("1"))));
  p.check("B13b-store-stats-delta", p.stats_delta(b0, s.stats()));
  p.check("B14-dir-replaces-file", p.line(p.apply(put("/dir/a").dir())));
  p.check("B15-get-replaced", p.line(s.get("/dir/a", false, false, p.now)));
  p.check("B16-mkdir-with-value", p.line(p.apply(put("/dvx").dir().v("ignored"))));
  p.check("B17-delete-dir-noflag", p.line(p.apply(del("/dir"))));
  p.check("B18-delete-nonempty-dir", p.line(p.apply(del("/dir").dir())));
  p.check("B19-delete-recursive", p.line(p.apply(del("/dir").rec())));
  p.check("B20-get-deleted-child", p.line(s.get("/dir/b/c", false, false, p.now)));
  p.check("B21-delete-empty-dir", p.line(p.apply(del("/dvx").dir())));
  p.check("B22-delete-file-dirflag", p.line(p.apply(del("/novalue").dir())));
  p.check("B23-delete-file-recursive", p.line(p.apply(del("/qonly").rec())));
  p.check("B24-only-hidden-children", p.line(p.apply(put("/hd/_h/x").v("1"))));
  p.check("B25-list-only-hidden", p.line(s.get("/hd", true, false, p.now)));
  p.check("B26-list-root-sorted", p.line(s.get("/", false, true, p.now), true));
}

void group_c(Probe& p) {
  p.check("C01-put-root", p.line(p.apply(put("/").v("1"))));
  p.check("C02-delete-root-rec", p.line(p.apply(del("/").rec())));
  p.check("C03-delete-root-dir", p.line(p.apply(del("/").dir())));
  p.check("C04-update-root", p.line(p.apply(put("/").exist(true).v("1"))));
  p.check("C05-cas-root", p.line(p.apply(put("/").pv("x").v("1"))));
  p.check("C06-cad-root", p.line(p.apply(del("/").pv("x"))));
  p.check("C07-create-root", p.line(p.apply(put("/").exist(false).dir())));
  p.check("C08-post-root", p.line(p.apply(post("/").v("r"))));
}

void group_d(Probe& p) {
  Store& s = p.store();
  StoreStats d0 = s.stats();
  p.check("D01-set", p.line(p.apply(put("/foo").v("one"))));
  p.check("D02-create-exists", p.line(p.apply(put("/foo").exist(false).v("x"))));
  p.check("D03-cas-value-mismatch", p.line(p.apply(put("/foo").pv("two").v("x"))));
  p.check("D04-cas-index-mismatch", p.line(p.apply(put("/foo").pi(987654321).v("x"))));
  p.check("D05-cas-both-mismatch", p.line(p.apply(put("/foo").pi(987654321).pv("two").v("x"))));
  p.check("D06-cas-index-only-bad", p.line(p.apply(put("/foo").pi(987654321).pv("one").v("x"))));
  p.check("D07-cas-value-ok", p.line(p.apply(put("/foo").pv("one").v("two"))));
  std::uint64_t mi = s.get("/foo", false, false, p.now).value().node.modified_index;
  p.check("D08-cas-index-ok", p.line(p.apply(put("/foo").pi(mi).v("three"))));
  p.check("D09-cas-both-ok", p.line(p.apply(put("/foo").pi(mi + 1).pv("three").v("four"))));
  p.check("D10-prevIndex-zero-is-set", p.line(p.apply(put("/foo").pi(0).v("five"))));
  p.check("D11-update", p.line(p.apply(put("/foo").exist(true).v("six"))));
  p.check("D12-update-missing", p.line(p.apply(put("/nokey").exist(true).v("x"))));
  p.check("D13-cas-missing", p.line(p.apply(put("/nokey").pv("x").v("x"))));
  p.check("D14-cas-index-missing", p.line(p.apply(put("/nokey").pi(5).v("x"))));
  p.check("D15-create", p.line(p.apply(put("/newkey").exist(false).v("new"))));
  p.check("D16-prevExist-true+value", p.line(p.apply(put("/foo").exist(true).pv("six").v("seven"))));
  p.check("D17-prevExist-false+value", p.line(p.apply(put("/foo").exist(false).pv("seven").v("x"))));
  p.check("D18-prevExist-False-caps", p.line(p.apply(put("/foo").exist(false).v("x"))));
  p.check("D19-mkdir", p.line(p.apply(put("/cdir").dir())));
  p.check("D20-cas-on-dir", p.line(p.apply(put("/cdir").pv("x").v("y"))));
  p.check("D21-casidx-on-dir", p.line(p.apply(put("/cdir").pi(1).v("y"))));
  p.check("D22-update-dir-value", p.line(p.apply(put("/cdir").exist(true).v("y"))));
  p.check("D23-update-dir-novalue", p.line(p.apply(put("/cdir").exist(true).dir())));
  p.check("D24-get-dir-after-update", p.line(s.get("/cdir", false, false, p.now)));
  p.check("D25-create-dir", p.line(p.apply(put("/cdir2").exist(false).dir())));
  p.check("D26-create-dir-exists", p.line(p.apply(put("/cdir2").exist(false).dir())));
  p.check("D27-update-missing-dir", p.line(p.apply(put("/nodir").exist(true).dir())));
  p.check("D28-get-missing", p.line(s.get("/nokey", false, false, p.now)));
  p.check("D29-store-stats-delta", p.stats_delta(d0, s.stats()));
}

void group_g(Probe& p) {
  Store& s = p.store();
  p.check("G01-post", p.line(p.apply(post("/queue").v("Job1"))));
  p.check("G02-post", p.line(p.apply(post("/queue").v("Job2"))));
  p.check("G03-post-dir", p.line(p.apply(post("/queue").dir())));
  p.check("G04-post-novalue", p.line(p.apply(post("/queue"))));
  p.check("G05-post-ttl", p.line(p.apply(post("/queue").ttl(p.now, 1000).v("Job3"))));
  p.check("G06-post-prevExist-ignored", p.line(p.apply(post("/queue").exist(false).v("Job4"))));
  p.check("G07-list-sorted", p.line(s.get("/queue", false, true, p.now), true));
  p.check("G08-post-to-new-hidden", p.line(p.apply(post("/q2/_h").v("x"))));
  p.check("G09-post-to-file", p.line(p.apply(post("/foo").v("x"))));
  p.check("G10-post-nested-new", p.line(p.apply(post("/q3/a/b").v("x"))));
}

void group_i_ttl_writes(Probe& p) {
  Store& s = p.store();
  UnixNanos t = p.now;
  p.check("I01-set-ttl", p.line(p.apply(put("/t1").ttl(t, 1000).v("bar"))));
  p.check("I02-get-ttl", p.line(s.get("/t1", false, false, p.now)));
  p.check("I03-set-new-ttl", p.line(p.apply(put("/t1").ttl(t, 2000).v("bar2"))));
  p.check("I04-clear-ttl-update", p.line(p.apply(put("/t1").v("bar3").exist(true))));
  p.check("I05-get-no-ttl", p.line(s.get("/t1", false, false, p.now)));
  p.check("I06-set-ttl-again", p.line(p.apply(put("/t1").ttl(t, 1000).v("bar4"))));
  p.check("I07-refresh-update", p.line(p.apply(put("/t1").ttl(t, 2000).refresh().exist(true))));
  p.check("I08-refresh-set", p.line(p.apply(put("/t1").ttl(t, 1000).refresh())));
  p.check("I09-refresh-cas", p.line(p.apply(put("/t1").ttl(t, 2000).refresh().pv("bar4"))));
  p.check("I10-refresh-cas-fail", p.line(p.apply(put("/t1").ttl(t, 2000).refresh().pv("nope"))));
  p.check("I11-refresh-missing", p.line(p.apply(put("/tnokey").ttl(t, 1000).refresh())));
  p.check("I12-refresh-create", p.line(p.apply(put("/tnokey").ttl(t, 1000).refresh().exist(false))));
  p.check("I13-update-ttl-no-value", p.line(p.apply(put("/t1").exist(true).ttl(t, 1000))));
  p.check("I14-set-ttl-empty-perm", p.line(p.apply(put("/t2").v("p"))));
  p.check("I15-dir-ttl", p.line(p.apply(put("/tdir").ttl(t, 1000).dir())));
  p.check("I16-file-in-ttl-dir", p.line(p.apply(put("/tdir/k").v("v"))));
  p.check("I17-get-ttl-dir", p.line(s.get("/tdir", true, false, p.now)));
  p.check("I18-dir-ttl-update", p.line(p.apply(put("/tdir").ttl(t, 2000).dir().exist(true))));
  p.check("I19-dir-ttl-refresh", p.line(p.apply(put("/tdir").ttl(t, 1000).dir().exist(true).refresh())));
  p.check("I20-dir-ttl-clear", p.line(p.apply(put("/tdir").dir().exist(true))));
  p.check("I21-cas-with-ttl", p.line(p.apply(put("/t2").pv("p").ttl(t, 1000).v("q"))));
  p.check("I21b-set-ttl", p.line(p.apply(put("/t3").v("a").ttl(t, 1000))));
  p.check("I21c-update-no-ttl-clears", p.line(p.apply(put("/t3").exist(true).v("b"))));
  p.check("I21d-set-ttl", p.line(p.apply(put("/t3").v("a").ttl(t, 1000))));
  p.check("I21e-cas-no-ttl-clears", p.line(p.apply(put("/t3").pv("a").v("c"))));
}

void group_i_expiry(Probe& p) {
  Store& s = p.store();
  StoreStats i0 = s.stats();
  p.check("I22-ttl-zero", p.line(p.apply(put("/t0").ttl(p.now, 0).v("zero"))));
  p.sync(p.now + kNanosPerSecond / 2);  // the leader's next SYNC
  p.now += 2 * kNanosPerSecond;
  p.check("I23-ttl-zero-gone", p.line(s.get("/t0", false, false, p.now)));
  p.check("I24-set-ttl1", p.line(p.apply(put("/exp1").ttl(p.now, 1).v("e"))));
  UnixNanos exp1 = p.now + kNanosPerSecond;
  Watch x1 = watch(p, "/exp1", false, 0);
  Watch x2 = watch(p, "/", true, 0);
  p.sync(exp1 - 1);  // not yet
  p.sync(exp1 + kNanosPerSecond / 2);
  p.check("I25-watch-key-expire", watch_line(p, x1));
  p.check("I26-watch-root-expire", watch_line(p, x2));
  p.check("I27-expired-get", p.line(s.get("/exp1", false, false, p.now)));
  p.check("I28-ttl-dir1", p.line(p.apply(put("/edir").ttl(p.now, 1).dir())));
  p.check("I29-child-of-ttl-dir", p.line(p.apply(put("/edir/child").v("c"))));
  Watch x3 = watch(p, "/edir/child", false, 0);
  p.sync(p.now + kNanosPerSecond + kNanosPerSecond / 2);
  p.check("I30-watch-child-dir-expire", watch_line(p, x3));
  p.check("I31-expired-child-get", p.line(s.get("/edir/child", false, false, p.now)));
  p.check("I31b-store-stats-delta", p.stats_delta(i0, s.stats()));
  Watch h = watch(p, "/edir/child", false, s.index());
  p.check("I32-history-expire", watch_line(p, h));
  p.check("I33-set-for-refresh", p.line(p.apply(put("/rf").v("v").ttl(p.now, 1000))));
  Watch x4 = watch(p, "/rf", false, 0);
  p.check("I34-refresh", p.line(p.apply(put("/rf").ttl(p.now, 2000).refresh().exist(true))));
  p.check("I35-watch-missed-refresh", watch_line(p, x4));
  std::uint64_t ri = s.get("/rf", false, false, p.now).value().node.modified_index;
  Watch x5 = watch(p, "/rf", false, ri);
  p.check("I36-history-skips-refresh", watch_line(p, x5));
}

void group_w_basic(Probe& p) {
  Store& s = p.store();
  p.check("W01-setup", p.line(p.apply(put("/w/a").v("1"))));
  p.check("W02-setup", p.line(p.apply(put("/w/a").v("2"))));
  p.check("W03-setup", p.line(p.apply(put("/w/b").v("3"))));
  std::uint64_t mi = s.get("/w/a", false, false, p.now).value().node.modified_index;
  Watch w04 = watch(p, "/w/a", false, mi);
  p.check("W04-waitIndex-past-exact", watch_line(p, w04));
  Watch w05 = watch(p, "/w/a", false, mi - 1);
  p.check("W05-waitIndex-past-earlier", watch_line(p, w05));
  Watch w06 = watch(p, "/w", false, mi - 1);
  p.check("W06-dir-nonrec-past", watch_line(p, w06));
  Watch w07 = watch(p, "/w", true, mi - 1);
  p.check("W07-dir-rec-past", watch_line(p, w07));
  Watch w08 = watch(p, "/w/a", false, mi + 100);
  p.check("W08-waitIndex-future", watch_line(p, w08));
  Watch w1 = watch(p, "/w/new", false, 0);
  p.check("W09-trigger-create", p.line(p.apply(put("/w/new").v("n"))));
  p.check("W10-watch-nonexistent-key", watch_line(p, w1));
  Watch w2 = watch(p, "/w", false, 0);
  p.check("W11-trigger-child", p.line(p.apply(put("/w/c").v("c"))));
  p.check("W12-nonrec-dir-ignores-child", watch_line(p, w2));
  Watch w3 = watch(p, "/w", true, 0);
  p.check("W13-trigger-hidden", p.line(p.apply(put("/w/_h").v("h"))));
  p.check("W14-rec-ignores-hidden", watch_line(p, w3));
  Watch w4 = watch(p, "/w/_h", false, 0);
  p.check("W15-trigger-hidden2", p.line(p.apply(put("/w/_h").v("h2"))));
  p.check("W16-watch-hidden-direct", watch_line(p, w4));
  Watch w5 = watch(p, "/w", true, 0);
  p.check("W17-trigger-cas", p.line(p.apply(put("/w/a").pv("2").v("3"))));
  p.check("W18-rec-sees-cas", watch_line(p, w5));
  Watch w6 = watch(p, "/w/a", false, 0);
  Watch w7 = watch(p, "/w/zz/deep", false, 0);
  p.check("W19-delete-parent", p.line(p.apply(del("/w").rec())));
  p.check("W20-child-sees-parent-delete", watch_line(p, w6));
  p.check("W21-nonexistent-deep-not-notified", watch_line(p, w7));
  Watch w22 = watch(p, "/w/zz/deep", false, s.index());
  p.check("W22-history-dir-delete-prefix", watch_line(p, w22));
}

void group_w_streams_and_history(Probe& p) {
  Store& s = p.store();
  Watch w8 = watch(p, "/s", true, 0, true);
  p.check("W23-trigger", p.line(p.apply(put("/s/1").v("1"))));
  p.check("W24-trigger", p.line(p.apply(put("/s/2").v("2"))));
  p.check("W25-trigger", p.line(p.apply(del("/s/1"))));
  p.check("W26-stream-3-events", watch_line(p, w8));
  p.check("W27-stream-without-wait", p.line(s.get("/s", false, false, p.now)));
  Watch w28 = watch(p, "/s/2/sub", false, 0);
  p.check("W28-watch-under-file", watch_line(p, w28));
  Watch w29 = watch(p, "/s", false, 0);
  p.check("W29-waitIndex-zero", watch_line(p, w29));
  Watch w9 = watch(p, "/", true, 0);
  p.check("W30-trigger-root-hidden", p.line(p.apply(put("/_roothidden").v("x"))));
  p.check("W31-root-rec-ignores-hidden", watch_line(p, w9));
  Watch w10 = watch(p, "/s/2", false, 0);
  p.check("W32-trigger-update", p.line(p.apply(put("/s/2").exist(true).v("u"))));
  p.check("W33-watch-update", watch_line(p, w10));
  Watch w11 = watch(p, "/s/2", false, 0);
  p.check("W34-trigger-cad", p.line(p.apply(del("/s/2").pv("u"))));
  p.check("W35-watch-cad", watch_line(p, w11));
  Watch w12 = watch(p, "/s", true, 0);
  p.check("W36-trigger-post", p.line(p.apply(post("/s").v("p"))));
  p.check("W37-rec-watch-post", watch_line(p, w12));
  std::uint64_t h0 = s.index();
  for (int i = 0; i < 1005; ++i) p.apply(put("/bulk/k").v("x"));
  std::uint64_t cur = s.index();
  p.check("W38-bulk-writes", "- | - | advanced=" + std::to_string(cur - h0));
  Watch w39 = watch(p, "/bulk/k", false, h0);
  p.check("W39-cleared-401", watch_line(p, w39));
  Watch w41 = watch(p, "/bulk/k", false, cur - 999);
  p.check("W41-oldest-kept", watch_line(p, w41));
  Watch w42 = watch(p, "/bulk/k", false, cur - 1000);
  p.check("W42-just-cleared", watch_line(p, w42));
  Watch w43 = watch(p, "/nothere", false, cur - 1000);
  p.check("W43-cleared-other-key", watch_line(p, w43));
  p.check("W44-cleared-no-wait", p.line(s.get("/bulk/k", false, false, p.now)));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(conformance_replay)

BOOST_AUTO_TEST_CASE(probe_groups_a_to_w__match_real_etcd_line_for_line) {
  Probe p;
  BOOST_TEST(p.base() == 3u);  // member add + cluster version + publish, as on a fresh etcd
  group_a(p);
  group_b(p);
  group_c(p);
  group_d(p);
  group_g(p);
  group_i_ttl_writes(p);
  group_i_expiry(p);
  group_w_basic(p);
  group_w_streams_and_history(p);
  BOOST_TEST(p.checked() == 183u);
  BOOST_TEST(p.store().watcher_count() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
