#include "server/transport/peer_prober.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "server/common/hex.hpp"
#include "server/http/json_writer.hpp"

namespace coord::transport {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;

namespace {

constexpr std::uint64_t kMaxAnswerBytes = 4096;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// `n` decimal digits at `s[at]`, or -1.
int digits(std::string_view s, std::size_t at, std::size_t n) {
  if (at + n > s.size()) return -1;
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// RFC 3339 with an optional fraction (up to 9 digits) and "Z" or a ±hh:mm offset.
std::optional<UnixNanos> parse_rfc3339(std::string_view s) {
  const int year = digits(s, 0, 4), month = digits(s, 5, 2), day = digits(s, 8, 2);
  const int hour = digits(s, 11, 2), minute = digits(s, 14, 2), second = digits(s, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 ||
      minute > 59 || second < 0 || second > 60 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
      s[16] != ':')
    return std::nullopt;
  std::size_t at = 19;
  std::int64_t fraction = 0;
  if (at < s.size() && s[at] == '.') {
    std::size_t n = 0;
    for (++at; at < s.size() && s[at] >= '0' && s[at] <= '9'; ++at, ++n) {
      if (n == 9) return std::nullopt;
      fraction = fraction * 10 + (s[at] - '0');
    }
    if (n == 0) return std::nullopt;
    for (; n < 9; ++n) fraction *= 10;
  }
  std::int64_t offset_seconds = 0;
  if (at < s.size() && s[at] == 'Z') {
    ++at;
  } else if (at < s.size() && (s[at] == '+' || s[at] == '-')) {
    const int oh = digits(s, at + 1, 2), om = digits(s, at + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59 || at + 3 >= s.size() || s[at + 3] != ':') return std::nullopt;
    offset_seconds = (s[at] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != s.size()) return std::nullopt;
  const std::int64_t seconds = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
                               hour * 3600 + minute * 60 + second - offset_seconds;
  return seconds * kNanosPerSecond + fraction;
}

}  // namespace

std::string probe_answer(UnixNanos now) {
  std::string out = "{\"OK\":true,\"Now\":\"";
  http::append_rfc3339_nano(out, now);
  out += "\"}\n";
  return out;
}

std::optional<UnixNanos> parse_probe_answer(std::string_view body) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto* ok = v.as_object().if_contains("OK");
  const auto* now = v.as_object().if_contains("Now");
  if (ok == nullptr || !ok->is_bool() || !ok->as_bool() || now == nullptr || !now->is_string()) return std::nullopt;
  const auto& text = now->as_string();
  return parse_rfc3339(std::string_view(text.data(), text.size()));
}

std::chrono::nanoseconds clock_drift(UnixNanos sent, std::chrono::nanoseconds round_trip, UnixNanos peer_now) {
  return std::chrono::nanoseconds(peer_now - (sent + round_trip.count() / 2));
}

PeerProber::PeerProber(net::io_context& ioc, std::uint64_t peer_id, std::vector<std::string> peer_urls,
                       std::shared_ptr<tls::ContextSource> tls, const Clock& clock, Report report,
                       Timing timing)
    : peer_id_(peer_id),
      peer_urls_(std::move(peer_urls)),
      tls_(std::move(tls)),
      clock_(clock),
      report_(std::move(report)),
      timing_(timing),
      round_trips_(DurationHistogram::exponential_bounds(0.0001, 2, 16)),
      strand_(net::make_strand(ioc)),
      stream_(strand_),
      timer_(strand_) {}

void PeerProber::start() {
  net::post(strand_, [self = shared_from_this()] { self->probe(); });
}

void PeerProber::stop() {
  net::post(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->timer_.cancel();
    beast::error_code ignored;
    self->stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    self->stream_.close();
  });
}

void PeerProber::probe() {
  if (stopped_ || peer_urls_.empty()) return;
  const std::string& url = peer_urls_[url_index_ % peer_urls_.size()];
  const auto endpoint = peer_endpoint(url);
  if (!endpoint || (is_https(url) && !tls_)) {
    ++url_index_;
    return failed(!endpoint ? "its URL " + url + " names no address" : "no TLS settings for its https URL " + url);
  }
  tls_connection_ = is_https(url) ? make_peer_tls(*tls_, stream_, url) : nullptr;
  request_ = {bhttp::verb::get, std::string(kProbingPath), 11};
  request_.set(bhttp::field::host, "coordd");
  request_.keep_alive(false);
  sent_at_ = std::chrono::steady_clock::now();
  sent_wall_ = clock_.now();
  stream_.expires_after(kProbeTimeout);
  stream_.async_connect(*endpoint, [self = shared_from_this()](beast::error_code e) { self->on_connect(e); });
}

void PeerProber::on_connect(beast::error_code ec) {
  if (stopped_) return finish();
  if (ec) {
    ++url_index_;
    return failed("could not connect: " + ec.message());
  }
  if (!tls_connection_) return write_request();
  tls_connection_->stream.async_handshake(net::ssl::stream_base::client,
                                          [self = shared_from_this(), keep = tls_connection_](beast::error_code e) {
                                            if (self->stopped_) return self->finish();
                                            if (e) return self->failed("TLS handshake failed: " + e.message());
                                            self->write_request();
                                          });
}

void PeerProber::write_request() {
  auto on_written = [self = shared_from_this(), keep = tls_connection_](beast::error_code e, std::size_t) {
    if (self->stopped_) return self->finish();
    if (e) return self->failed("could not send the probe: " + e.message());
    self->answer_.emplace();
    self->answer_->body_limit(kMaxAnswerBytes);
    auto on_read = [self, keep](beast::error_code e2, std::size_t) { self->on_answer(e2); };
    if (keep) return bhttp::async_read(keep->stream, self->buffer_, *self->answer_, std::move(on_read));
    bhttp::async_read(self->stream_, self->buffer_, *self->answer_, std::move(on_read));
  };
  if (tls_connection_) return bhttp::async_write(tls_connection_->stream, request_, std::move(on_written));
  bhttp::async_write(stream_, request_, std::move(on_written));
}

void PeerProber::on_answer(beast::error_code ec) {
  const auto round_trip = std::chrono::steady_clock::now() - sent_at_;
  if (stopped_) return finish();
  if (ec) return failed("no answer: " + ec.message());
  if (answer_->get().result_int() != 200) return failed("answered " + std::to_string(answer_->get().result_int()));
  const auto peer_now = parse_probe_answer(answer_->get().body());
  if (!peer_now) return failed("its answer is not a probe answer");
  round_trips_.observe(round_trip);
  answered(round_trip);
  const auto drift = clock_drift(sent_wall_, round_trip, *peer_now);
  const bool drifting = drift > kMaxClockDrift || drift < -kMaxClockDrift;
  if (drifting != drifting_ && report_) {
    char line[160];
    if (drifting)
      std::snprintf(line, sizeof line, "peer %s: its clock is %.3f s %s ours (more than %lld s apart)",
                    to_hex(peer_id_).c_str(), std::abs(static_cast<double>(drift.count()) / 1e9),
                    drift.count() > 0 ? "ahead of" : "behind", static_cast<long long>(kMaxClockDrift.count()));
    else
      std::snprintf(line, sizeof line, "peer %s: its clock is back within %lld s of ours", to_hex(peer_id_).c_str(),
                    static_cast<long long>(kMaxClockDrift.count()));
    report_(line);
  }
  drifting_ = drifting;
  finish();
}

void PeerProber::failed(const std::string& why) {
  const auto now = std::chrono::steady_clock::now();
  if (report_ && (!failing_ || now - failing_reported_ >= timing_.failing_repeat)) {
    report_("peer " + to_hex(peer_id_) + ": health check failed (" + why + ")");
    failing_reported_ = now;
  }
  failing_ = true;
  finish();
}

void PeerProber::answered(std::chrono::nanoseconds round_trip) {
  const bool was_failing = std::exchange(failing_, false);
  const bool slow = round_trip > timing_.slow_round_trip;
  const bool slow_changed = slow != std::exchange(slow_, slow);
  if (!report_) return;
  const std::string peer = "peer " + to_hex(peer_id_);
  if (was_failing) report_(peer + ": health check answered again");
  if (slow_changed) {
    char line[160];
    if (slow)
      std::snprintf(line, sizeof line, "%s: round trip of its probe rose to %.3f s (over %.3f s)", peer.c_str(),
                    static_cast<double>(round_trip.count()) / 1e9, static_cast<double>(timing_.slow_round_trip.count()) / 1e3);
    else
      std::snprintf(line, sizeof line, "%s: round trip of its probe back under %.3f s", peer.c_str(),
                    static_cast<double>(timing_.slow_round_trip.count()) / 1e3);
    report_(line);
  }
}

void PeerProber::finish() {
  beast::error_code ignored;
  stream_.socket().close(ignored);
  tls_connection_ = nullptr;  // a handler still running holds its own reference
  buffer_.clear();
  answer_.reset();
  if (stopped_) return;
  timer_.expires_after(timing_.interval);
  timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec) self->probe();
  });
}

}  // namespace coord::transport
