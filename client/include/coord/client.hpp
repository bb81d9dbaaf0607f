// coord::Client — the etcd v2 keys and members API over HTTP, for coordd and real etcd alike.
//
// Every operation exists in a blocking form (throws coord::Error for etcd error answers and
// coord::TransportError for everything else) and as an async_* twin taking an Asio completion
// token with signature void(std::exception_ptr, Response): plain callbacks, use_future and
// use_awaitable all work, and per-operation cancellation slots are honoured.
//
// Endpoints: the client sticks to one endpoint while it works and rotates on connection errors,
// 5xx answers and etcd errors 300/301. The cluster id is pinned from the first answer; an
// endpoint of another cluster is an error. Reads retry anywhere with capped, jittered backoff.
// A write moves to the next endpoint only while it certainly never left this client (a failed
// connect). Once it may have reached a server (a lost connection, no answer within
// attempt_timeout, a 5xx) it is never sent again: a quorum read looks for its effect, and when
// that read cannot confirm it the call throws TransportError::kOutcomeUnknown — the write may
// have applied, may still apply, or may never apply. Re-sending it could undo another client's
// newer write; the caller settles it (read back a unique value it wrote, or write again knowingly).
// Member add/remove are the exception: their late copies fail, so they are sent again.
//
// Thread-safety: safe for concurrent use from any number of threads. Blocking calls must not be
// made from a completion handler running on the client's own threads. The destructor cancels
// calls still in flight (their handlers get TransportError::kCancelled) and returns within a
// bounded time; no handler runs after it returns. A client may be destroyed from inside one of
// its own completion handlers: it then returns at once, and a background thread finishes the
// shutdown after that handler returns (the other handlers still run, with kCancelled).
#pragma once

#include <functional>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/execution/outstanding_work.hpp>

#include "coord/detail/operation.hpp"
#include "coord/error.hpp"
#include "coord/options.hpp"
#include "coord/types.hpp"

namespace coord {

namespace detail {
class ClientCore;
}

class Client {
 public:
  using Signature = void(std::exception_ptr, Response);
  using MembersSignature = void(std::exception_ptr, std::vector<Member>);

  // Throws std::invalid_argument for an empty or malformed endpoint list and
  // TransportError::kNoEndpoint for https endpoints without TLS support.
  explicit Client(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // ---- keys API (blocking). `key` is a path such as "/a/b" (a leading '/' is added if missing).
  Response get(std::string_view key, GetOptions options = {});
  // PUT: creates or replaces. ttl, prev_exist, prev_value, prev_index and dir as in etcd.
  Response set(std::string_view key, std::string_view value, SetOptions options = {});
  // PUT prevExist=false: fails with 105 when the key exists.
  Response create(std::string_view key, std::string_view value, SetOptions options = {});
  // PUT prevExist=true: fails with 100 when the key is missing.
  Response update(std::string_view key, std::string_view value, SetOptions options = {});
  // PUT with prevValue and/or prevIndex (at least one must be given).
  Response compare_and_swap(std::string_view key, std::string_view value,
                            std::optional<std::string> prev_value,
                            std::optional<std::uint64_t> prev_index, SetOptions options = {});
  // DELETE with prevValue and/or prevIndex.
  Response compare_and_delete(std::string_view key, std::optional<std::string> prev_value,
                              std::optional<std::uint64_t> prev_index, DeleteOptions options = {});
  // POST: a new child of `dir` named after the new index (in-order keys).
  Response create_in_order(std::string_view dir, std::string_view value, SetOptions options = {});
  // PUT dir=true (prevExist=false unless options.prev_exist says otherwise).
  Response mkdir(std::string_view key, SetOptions options = {});
  Response remove(std::string_view key, DeleteOptions options = {});
  // PUT refresh=true&prevExist=true&ttl=N: renews a TTL without notifying watchers. Pass
  // prev_value to make it an owner-checked refresh (compare-and-swap with refresh).
  Response refresh(std::string_view key, std::chrono::seconds ttl,
                   std::optional<std::string> prev_value = std::nullopt, CallOptions options = {});
  // GET wait=true: blocks for one event (no deadline unless options.timeout is set).
  Response watch(std::string_view key, WatchOptions options = {});

  // ---- members API (blocking).
  std::vector<Member> members(CallOptions options = {});
  Member add_member(std::vector<std::string> peer_urls, CallOptions options = {});
  void remove_member(std::string_view id, CallOptions options = {});
  // Replaces the endpoint list's tail with the client URLs from /v2/members (keeps the given
  // endpoints, adds the others). Returns the new list.
  std::vector<std::string> sync_endpoints(CallOptions options = {});
  std::vector<std::string> endpoints() const;
  // The endpoint requests go to now: sticky, it moves to the next one when a request to it fails.
  std::string current_endpoint() const;
  // The pinned cluster id ("" until the first answer that carried one).
  std::string cluster_id() const;

  // ---- async twins.
  template <class Token>
  auto async_get(std::string_view key, GetOptions options, Token&& token) {
    return initiate(make_get(key, options), std::forward<Token>(token));
  }
  template <class Token>
  auto async_set(std::string_view key, std::string_view value, SetOptions options, Token&& token) {
    return initiate(make_set(key, value, options), std::forward<Token>(token));
  }
  template <class Token>
  auto async_create(std::string_view key, std::string_view value, SetOptions options, Token&& token) {
    options.prev_exist = false;
    return initiate(make_set(key, value, options), std::forward<Token>(token));
  }
  template <class Token>
  auto async_update(std::string_view key, std::string_view value, SetOptions options, Token&& token) {
    options.prev_exist = true;
    return initiate(make_set(key, value, options), std::forward<Token>(token));
  }
  template <class Token>
  auto async_compare_and_swap(std::string_view key, std::string_view value,
                              std::optional<std::string> prev_value,
                              std::optional<std::uint64_t> prev_index, SetOptions options, Token&& token) {
    return initiate(make_cas(key, value, std::move(prev_value), prev_index, std::move(options)),
                    std::forward<Token>(token));
  }
  template <class Token>
  auto async_compare_and_delete(std::string_view key, std::optional<std::string> prev_value,
                                std::optional<std::uint64_t> prev_index, DeleteOptions options,
                                Token&& token) {
    options.prev_value = std::move(prev_value);
    options.prev_index = prev_index;
    return initiate(make_remove(key, options), std::forward<Token>(token));
  }
  template <class Token>
  auto async_create_in_order(std::string_view dir, std::string_view value, SetOptions options, Token&& token) {
    return initiate(make_post(dir, value, options), std::forward<Token>(token));
  }
  template <class Token>
  auto async_mkdir(std::string_view key, SetOptions options, Token&& token) {
    return initiate(make_mkdir(key, std::move(options)), std::forward<Token>(token));
  }
  template <class Token>
  auto async_remove(std::string_view key, DeleteOptions options, Token&& token) {
    return initiate(make_remove(key, options), std::forward<Token>(token));
  }
  template <class Token>
  auto async_refresh(std::string_view key, std::chrono::seconds ttl,
                     std::optional<std::string> prev_value, Token&& token) {
    return initiate(make_refresh(key, ttl, std::move(prev_value), {}), std::forward<Token>(token));
  }
  template <class Token>
  auto async_watch(std::string_view key, WatchOptions options, Token&& token) {
    return initiate(make_watch(key, options), std::forward<Token>(token));
  }
  template <class Token>
  auto async_members(Token&& token) {
    return boost::asio::async_initiate<Token, MembersSignature>(
        [this](auto handler) {
          auto shared = wrap<std::vector<Member>>(std::move(handler));
          start(make_members({}), shared.second,
                [h = shared.first](std::exception_ptr e, Response r) {
                  std::vector<Member> out;
                  if (!e) {
                    try { out = parse_members_body(r); } catch (...) { e = std::current_exception(); }
                  }
                  h(e, std::move(out));
                });
        },
        token);
  }

  // The executor of the client's internal io_context (default executor for async handlers).
  boost::asio::any_io_executor executor() const;

  // ---- internal entry points (used by Watcher and the async twins; not a stable API).
  using Done = std::function<void(std::exception_ptr, Response)>;
  // Starts `op`; `done` runs exactly once on a client thread. Returns a cancel function.
  std::function<void()> start(detail::Operation op, Done done);
  std::shared_ptr<detail::ClientCore> core() const { return core_; }
  detail::Operation make_get(std::string_view key, const GetOptions& options) const;
  detail::Operation make_watch(std::string_view key, const WatchOptions& options) const;

 private:
  detail::Operation make_set(std::string_view key, std::string_view value, const SetOptions& options) const;
  detail::Operation make_cas(std::string_view key, std::string_view value, std::optional<std::string> prev_value,
                             std::optional<std::uint64_t> prev_index, SetOptions options) const;
  detail::Operation make_post(std::string_view dir, std::string_view value, const SetOptions& options) const;
  detail::Operation make_mkdir(std::string_view key, SetOptions options) const;
  detail::Operation make_remove(std::string_view key, const DeleteOptions& options) const;
  detail::Operation make_refresh(std::string_view key, std::chrono::seconds ttl,
                                 std::optional<std::string> prev_value, const CallOptions& options) const;
  detail::Operation make_members(const CallOptions& options) const;
  static std::vector<Member> parse_members_body(const Response& r);

  // Runs `op` and waits; honours `stop`. Rethrows the call's error.
  Response run(detail::Operation op, const std::stop_token& stop);
  // Starts `op`, wiring a cancellation slot (may be unconnected) to the call.
  void start(detail::Operation op, boost::asio::cancellation_slot slot, Done done);

  // Turns a (possibly move-only) completion handler into a copyable callable that posts the
  // result to the handler's associated executor, plus the handler's cancellation slot.
  template <class T, class Handler>
  std::pair<std::function<void(std::exception_ptr, T)>, boost::asio::cancellation_slot> wrap(Handler handler) {
    auto slot = boost::asio::get_associated_cancellation_slot(handler);
    auto ex = boost::asio::get_associated_executor(handler, executor());
    // Outstanding work is tracked through the standard executor property (not
    // executor_work_guard), so handlers bound to any executor, strands included, work with
    // BOOST_ASIO_NO_DEPRECATED.
    using Tracked = std::decay_t<decltype(boost::asio::prefer(ex, boost::asio::execution::outstanding_work.tracked))>;
    auto state = std::make_shared<std::pair<Handler, std::optional<Tracked>>>(
        std::move(handler), boost::asio::prefer(ex, boost::asio::execution::outstanding_work.tracked));
    auto fn = [state, slot](std::exception_ptr e, T value) mutable {
      auto work_ex = *state->second;
      boost::asio::post(work_ex, [state, slot, e, v = std::move(value)]() mutable {
        // Cleared on the handler's executor, where the slot's owner may also emit.
        if (slot.is_connected()) slot.clear();
        std::move(state->first)(e, std::move(v));
        state->second.reset();
      });
    };
    return {std::move(fn), slot};
  }

  template <class Token>
  auto initiate(detail::Operation op, Token&& token) {
    return boost::asio::async_initiate<Token, Signature>(
        [this](auto handler, detail::Operation op) {
          auto shared = wrap<Response>(std::move(handler));
          start(std::move(op), shared.second, std::move(shared.first));
        },
        token, std::move(op));
  }

  std::shared_ptr<detail::ClientCore> core_;
};

}  // namespace coord
