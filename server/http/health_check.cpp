#include "server/http/health_check.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/http/verb.hpp>

#include "server/http/reply.hpp"
#include "server/http/v2_json.hpp"
#include "server/node/node_api.hpp"

namespace coord::http {

namespace net = boost::asio;

// One check waiting for its quorum read. The read's answer and the timer race on the strand;
// whichever comes first answers, the other finds `answered` set.
struct HealthCheck::Pending {
  Pending(net::any_io_executor io, std::shared_ptr<Session> s, std::shared_ptr<Counts> c)
      : strand(net::make_strand(io)), timer(strand), session(std::move(s)), counts(std::move(c)) {}

  void finish(bool healthy) {
    if (answered) return;
    answered = true;
    timer.cancel();
    HealthCheck::answer(*counts, *session, healthy);
  }

  net::strand<net::any_io_executor> strand;
  net::steady_timer timer;            // on `strand`
  const std::shared_ptr<Session> session;
  const std::shared_ptr<Counts> counts;
  bool answered = false;              // strand only
};

void HealthCheck::answer(Counts& counts, Session& session, bool healthy) {
  (healthy ? counts.success : counts.failure).fetch_add(1, std::memory_order_relaxed);
  Reply r{healthy ? 200 : 503, kText, {}, {}};
  if (!healthy) r.header("X-Content-Type-Options", "nosniff");  // Go's http.Error sets it
  append_health_json(r.body, healthy);
  session.reply(std::move(r));
}

void HealthCheck::handle(const HttpRequest& request, std::shared_ptr<Session> session) {
  if (request.method() != boost::beast::http::verb::get) {
    Reply refused = method_not_allowed_reply("GET");
    refused.head_only = request.method() == boost::beast::http::verb::head;
    return session->reply(std::move(refused));
  }
  if (node_.failed() || node_.status().leader == 0) return answer(*counts_, *session, false);
  auto pending = std::make_shared<Pending>(session->io_executor(), session, counts_);
  pending->timer.expires_after(kTimeout);
  pending->timer.async_wait([pending](const boost::system::error_code& ec) {
    if (!ec) pending->finish(false);
  });
  // The callback runs inside a raft round: it only hands the verdict to the strand.
  node_.read_barrier([pending](Status status) {
    net::post(pending->strand, [pending, ok = status.is_ok()] { pending->finish(ok); });
  });
}

}  // namespace coord::http
