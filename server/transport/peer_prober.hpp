// PeerProber: measures the round trip to one peer, and how far its clock is from ours, as etcd's
// prober does: every probe interval (4 s) a GET /raft/probing on a fresh connection (TLS to an https
// peer), which a member answers {"OK":true,"Now":"<its RFC 3339 time>"} (probe_answer). Each
// answered probe's round trip goes into a histogram with etcd's buckets (0.1 ms doubling to
// 3.2768 s) for etcd_network_peer_round_trip_time_seconds{To}. A peer whose clock is more than
// kMaxClockDrift off ours (its time against ours at the middle of the round trip) is reported
// once when the drift appears and once when it is gone, through `report`. So are a peer whose
// probes fail (etcd's "prober detected unhealthy status": when they start failing, then at most
// every 30 s while they do, and once when one is answered again) and a round trip that rises
// past 1 s (once, and once when it is back under). Timing has these defaults; tests shorten them.
// Thread-safety: start(), stop() and round_trips() from any thread; the rest runs on its strand.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/common/clock.hpp"
#include "server/common/duration_histogram.hpp"
#include "server/transport/peer_link.hpp"

namespace coord::transport {

inline constexpr std::string_view kProbingPath = "/raft/probing";

// The body of a member's answer to GET /raft/probing at wall time `now`.
std::string probe_answer(UnixNanos now);
// The peer's time in a probe answer; nullopt unless the body is {"OK":true,"Now":"<RFC 3339>"}
// (a "Z" or a ±hh:mm offset, an optional fraction of up to 9 digits). Pure.
std::optional<UnixNanos> parse_probe_answer(std::string_view body);
// How far the peer's clock is ahead of ours (negative: behind), from a probe sent at our wall
// time `sent`, answered after `round_trip` with the peer's time `peer_now`: the peer read its
// clock, as far as we can tell, at the middle of the round trip. Pure.
std::chrono::nanoseconds clock_drift(UnixNanos sent, std::chrono::nanoseconds round_trip, UnixNanos peer_now);

// How often a PeerProber probes, and when it warns (the defaults are what coordd uses).
struct PeerProberTiming {
  std::chrono::milliseconds interval{4000};         // etcd: its connection read timeout less 1 s
  std::chrono::milliseconds failing_repeat{30000};  // a failing peer is warned of again after this
  std::chrono::milliseconds slow_round_trip{1000};  // a round trip above this is warned of
};

class PeerProber : public std::enable_shared_from_this<PeerProber> {
 public:
  static constexpr std::chrono::seconds kProbeTimeout{5};
  static constexpr std::chrono::seconds kMaxClockDrift{1};      // etcd warns past 1 s
  using Timing = PeerProberTiming;
  // Called on the prober's strand with a line to log.
  using Report = std::function<void(const std::string& line)>;

  // `tls` (may be null: https peers are then not probed) makes the client contexts; `clock`
  // gives wall time and outlives the prober.
  PeerProber(boost::asio::io_context& ioc, std::uint64_t peer_id, std::vector<std::string> peer_urls,
             std::shared_ptr<tls::ContextSource> tls, const Clock& clock, Report report, Timing timing = {});

  void start();  // probes at once, then every timing.interval until stop()
  void stop();
  HistogramSnapshot round_trips() const { return round_trips_.snapshot(); }

 private:
  void probe();
  void on_connect(boost::beast::error_code ec);
  void write_request();
  void on_answer(boost::beast::error_code ec);
  void failed(const std::string& why);  // a probe that got no usable answer, then finish()
  void answered(std::chrono::nanoseconds round_trip);  // the health and round-trip reports
  void finish();  // closes the connection and arms the next probe

  // Constant after construction.
  const std::uint64_t peer_id_;
  const std::vector<std::string> peer_urls_;
  const std::shared_ptr<tls::ContextSource> tls_;
  const Clock& clock_;
  const Report report_;
  const Timing timing_;
  DurationHistogram round_trips_;  // relaxed atomics: read from any thread

  // Strand-only state.
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::beast::tcp_stream stream_;
  std::shared_ptr<PeerTlsConnection> tls_connection_;
  boost::asio::steady_timer timer_;
  boost::beast::flat_buffer buffer_;
  boost::beast::http::request<boost::beast::http::empty_body> request_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> answer_;
  std::chrono::steady_clock::time_point sent_at_{};
  UnixNanos sent_wall_ = 0;
  std::size_t url_index_ = 0;
  bool drifting_ = false;
  bool failing_ = false;
  bool slow_ = false;
  std::chrono::steady_clock::time_point failing_reported_{};
  bool stopped_ = false;
};

}  // namespace coord::transport
