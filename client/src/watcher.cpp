// Two halves: the poll loop (on a strand of the client's io_context, no user code) and the
// delivery thread (user code only, no lock held while it runs). They meet in Delivery's queue.
#include "coord/watcher.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <utility>
#include <variant>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "client/src/client_core.hpp"
#include "client/src/watch_view.hpp"
#include "coord/error.hpp"

namespace coord {
namespace asio = boost::asio;

namespace {

using Clock = std::chrono::steady_clock;
using Item = std::variant<WatchEvent, std::exception_ptr>;

// The user-facing half. Shared by the poll loop and the delivery thread; holds nothing of the
// client's io_context, so the delivery thread may outlive both the poll loop and the client
// (which happens when the watcher is destroyed from inside its own callback).
struct Delivery {
  Watcher::Callback callback;
  std::function<void(std::exception_ptr)> on_error;

  std::mutex mu;
  std::condition_variable cv;
  std::size_t capacity = 1024;  // constant after construction; Invariant: >= 2
  std::deque<Item> queue;  // guarded by mu; Invariant: size() <= capacity
  std::function<void()> on_room;  // guarded by mu: the paused poll loop's resume
  bool stopping = false;   // guarded by mu
  bool exited = false;     // guarded by mu: loop() returned

  bool stopped() {
    std::lock_guard lock(mu);
    return stopping;
  }

  void stop() {
    std::function<void()> dropped;  // destroyed outside the lock
    {
      std::lock_guard lock(mu);
      stopping = true;
      dropped = std::move(on_room);
      on_room = nullptr;
    }
    cv.notify_all();
  }

  // Queues `item`. An error is dropped when the queue is full (events are never dropped: the
  // poll loop stops producing them instead, see full() and when_room()).
  void push(Item item) {
    {
      std::lock_guard lock(mu);
      if (stopping) return;
      if (queue.size() >= capacity && std::holds_alternative<std::exception_ptr>(item)) return;
      queue.push_back(std::move(item));
    }
    cv.notify_one();
  }

  bool full() {
    std::lock_guard lock(mu);
    return queue.size() >= capacity;
  }

  // Runs `resume` (internal code only, never user code) once the queue has drained to half of
  // its capacity: at once when it already has, else on the delivery thread after a pop.
  void when_room(std::function<void()> resume) {
    {
      std::lock_guard lock(mu);
      if (stopping) return;
      if (queue.size() > capacity / 2) {
        on_room = std::move(resume);
        return;
      }
    }
    resume();
  }

  // Waits (bounded) until loop() returned; false on timeout.
  bool wait_exited(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, timeout, [this] { return exited; });
  }

  void loop() {
    std::function<void()> resume;
    for (;;) {
      Item item;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [this] { return stopping || !queue.empty(); });
        if (stopping) {
          exited = true;
          cv.notify_all();
          return;
        }
        item = std::move(queue.front());
        queue.pop_front();
        if (on_room && queue.size() <= capacity / 2) resume = std::move(on_room), on_room = nullptr;
      }
      if (resume) std::exchange(resume, nullptr)();
      try {
        if (auto* e = std::get_if<WatchEvent>(&item)) {
          callback(*e);
        } else if (on_error) {
          on_error(std::get<std::exception_ptr>(item));
        }
      } catch (...) {
        // A throwing callback must not kill the delivery thread; the event counts as delivered.
      }
    }
  }
};

}  // namespace

class Watcher::Impl : public std::enable_shared_from_this<Impl> {
 public:
  // How long stop() on a client thread waits for a running callback before leaving it behind.
  static constexpr std::chrono::seconds kIoThreadStopWait{2};

  Impl(Client& client, std::string key, Callback callback, WatcherOptions options)
      : client_(client),
        key_(std::move(key)),
        options_(std::move(options)),
        delivery_(std::make_shared<Delivery>()),
        strand_(asio::make_strand(client.executor())),
        timer_(strand_),
        backoff_(RetryPolicy{}),
        view_(key_, options_.recursive) {
    delivery_->callback = std::move(callback);
    delivery_->on_error = options_.on_error;
    delivery_->capacity = std::max<std::size_t>(options_.max_queued, 2);
  }

  void begin() {
    thread_ = std::thread([delivery = delivery_] { delivery->loop(); });
    asio::post(strand_, [self = shared_from_this()] {
      if (self->options_.start_index) {
        self->next_ = *self->options_.start_index;
        self->poll();
      } else {
        self->snapshot(WatchEvent::Type::kSnapshot);
      }
    });
  }

  void stop() noexcept {
    delivery_->stop();
    // Cancel the poll in flight and wait (bounded) until its completion came back, so the
    // watcher leaves no request behind. Not from a client thread: that thread may be needed.
    auto cancelled = std::make_shared<std::promise<void>>();
    auto done = cancelled->get_future();
    asio::post(strand_, [self = shared_from_this(), cancelled] {
      self->timer_.cancel();
      if (self->cancel_) {
        self->stopped_ = cancelled;
        self->cancel_();
      } else {
        cancelled->set_value();
      }
    });
    if (!client_.core()->on_io_thread()) done.wait_for(std::chrono::seconds(2));
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();  // destroyed from our own callback: the loop exits after it returns
    } else if (client_.core()->on_io_thread() && !delivery_->wait_exited(kIoThreadStopWait)) {
      // Destroyed on a client thread while a callback runs: that callback may be waiting for
      // this very thread (a blocking call), so waiting for it could last for ever. It finishes
      // on its own; no other callback follows.
      thread_.detach();
    } else if (thread_.joinable()) {
      thread_.join();
    }
  }

  std::atomic<std::uint64_t> next_index_{0};
  std::atomic<std::uint64_t> resyncs_{0};
  std::atomic<std::uint64_t> confirms_{0};
  std::atomic<std::uint64_t> pauses_{0};

 private:
  bool stopping() { return delivery_->stopped(); }
  void push(Item item) { delivery_->push(std::move(item)); }

  // Starts `op` unless stopping; the result comes back on the strand.
  void start(detail::Operation op, void (Impl::*on_done)(std::exception_ptr, Response)) {
    if (stopping()) return;
    try {
      cancel_ = client_.start(std::move(op), [self = shared_from_this(), on_done](std::exception_ptr e, Response r) {
        asio::post(self->strand_, [self, on_done, e, r = std::move(r)]() mutable {
          self->cancel_ = nullptr;
          if (self->stopped_) return self->stopped_->set_value();
          if (!self->stopping()) ((*self).*on_done)(e, std::move(r));
        });
      });
    } catch (...) {
      push(std::current_exception());  // the client is shutting down
    }
  }

  void snapshot(WatchEvent::Type type) {
    snapshot_type_ = type;
    start(client_.make_get(key_, GetOptions{.recursive = true, .sorted = true, .quorum = true}), &Impl::on_snapshot);
  }

  void on_snapshot(std::exception_ptr error, Response r) {
    WatchEvent ev;
    ev.type = snapshot_type_;
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const Error& e) {
        if (e.error_code() != errc::kKeyNotFound) return retry_later(error, &Impl::resnapshot);
        ev.exists = false;
        ev.response.etcd_index = e.index();
        ev.response.node.key = key_;
      } catch (...) {
        return retry_later(error, &Impl::resnapshot);
      }
    } else {
      ev.response = std::move(r);
    }
    set_next(ev.response.etcd_index + 1);
    ev.next_index = next_;
    auto changes = view_.reset(ev.response, ev.exists);
    if (ev.type == WatchEvent::Type::kResync) ev.changes = std::move(changes);
    push(std::move(ev));
    failures_ = 0;
    heard_ = Clock::now();  // a quorum read: the member (or its successor) is in the quorum
    then(&Impl::poll);
  }

  void resnapshot() { snapshot(snapshot_type_); }

  void poll() {
    auto op = client_.make_watch(key_, WatchOptions{.wait_index = next_, .recursive = options_.recursive});
    op.timeout = options_.poll_timeout;
    if (confirming()) op.timeout = std::min(options_.poll_timeout, options_.confirm_after);
    start(std::move(op), &Impl::on_event);
  }

  bool confirming() const { return options_.confirm_after.count() > 0; }

  // A quiet poll ended: poll again, unless the watch has heard nothing for confirm_after.
  void after_quiet_poll() {
    if (confirming() && Clock::now() - heard_ >= options_.confirm_after) return confirm();
    poll();
  }

  // The quorum read that tells a live member from one cut off from the quorum (whose answers
  // would be stale). The client's read retry moves to the next member when it fails or times
  // out, and the polls follow, because they use the client's current member.
  void confirm() {
    start(client_.make_get(key_, GetOptions{.quorum = true}), &Impl::on_confirmed);
  }

  void on_confirmed(std::exception_ptr error, Response) {
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const Error& e) {
        if (e.error_code() != errc::kKeyNotFound) return retry_later(error, &Impl::confirm);
      } catch (const TransportError& e) {
        if (e.kind() == TransportError::Kind::kCancelled || e.kind() == TransportError::Kind::kShutdown) return;
        return retry_later(error, &Impl::confirm);
      } catch (...) {
        return retry_later(error, &Impl::confirm);
      }
    }
    ++confirms_;
    failures_ = 0;
    heard_ = Clock::now();
    poll();  // from the same index: what the stale member missed comes from history (or 401)
  }

  // Continues with `next` unless the delivery queue is full; then once it has room again.
  void then(void (Impl::*next)()) {
    if (!delivery_->full()) return ((*this).*next)();
    ++pauses_;
    delivery_->when_room([self = shared_from_this(), next] {
      asio::post(self->strand_, [self, next] {
        if (!self->stopping()) ((*self).*next)();
      });
    });
  }

  void on_event(std::exception_ptr error, Response r) {
    if (!error) {
      set_next(r.node.modified_index + 1);
      failures_ = 0;
      view_.apply(r);
      heard_ = Clock::now();
      push(WatchEvent{WatchEvent::Type::kEvent, std::move(r), true, next_});
      return then(&Impl::poll);
    }
    try {
      std::rethrow_exception(error);
    } catch (const Error& e) {
      if (e.error_code() == errc::kEventIndexCleared || e.error_code() == errc::kWatcherCleared) {
        ++resyncs_;
        return snapshot(WatchEvent::Type::kResync);
      }
      return retry_later(error, &Impl::poll);
    } catch (const TransportError& e) {
      if (e.kind() == TransportError::Kind::kTimeout) {
        // A quiet poll: renew it, from past the index the server had reached when it registered
        // the watch (nothing for us happened up to there), so that a quiet watcher stays inside
        // the server's event history however much is written elsewhere.
        if (e.index() >= next_) set_next(e.index() + 1);
        return after_quiet_poll();
      }
      if (e.kind() == TransportError::Kind::kCancelled || e.kind() == TransportError::Kind::kShutdown) return;
      return retry_later(error, &Impl::poll);
    } catch (...) {
      return retry_later(error, &Impl::poll);
    }
  }

  void retry_later(std::exception_ptr error, void (Impl::*again)()) {
    push(error);
    timer_.expires_after(backoff_.delay(std::min(failures_++, 10)));
    timer_.async_wait([self = shared_from_this(), again](boost::system::error_code ec) {
      if (!ec && !self->stopping()) ((*self).*again)();
    });
  }

  void set_next(std::uint64_t next) {
    next_ = next;
    next_index_ = next;
  }

  // Constant after construction.
  Client& client_;
  const std::string key_;
  const WatcherOptions options_;
  const std::shared_ptr<Delivery> delivery_;
  asio::strand<asio::any_io_executor> strand_;

  // Guarded by the strand.
  asio::steady_timer timer_;
  detail::Backoff backoff_;
  std::function<void()> cancel_;                     // the call in flight, if any
  std::shared_ptr<std::promise<void>> stopped_;      // set by stop() while a call is in flight
  std::uint64_t next_ = 0;
  int failures_ = 0;
  Clock::time_point heard_ = Clock::now();  // the last event or quorum read
  WatchEvent::Type snapshot_type_ = WatchEvent::Type::kSnapshot;
  detail::WatchView view_;  // what the user has been told so far

  std::thread thread_;  // runs delivery_->loop(); set in begin(), joined or detached in stop()
};

Watcher::Watcher(Client& client, std::string key, Callback callback, WatcherOptions options)
    : impl_(std::make_shared<Impl>(client, std::move(key), std::move(callback), std::move(options))) {
  impl_->begin();
}

Watcher::~Watcher() { impl_->stop(); }

std::uint64_t Watcher::next_index() const { return impl_->next_index_.load(); }

std::uint64_t Watcher::resync_count() const { return impl_->resyncs_.load(); }

std::uint64_t Watcher::confirm_count() const { return impl_->confirms_.load(); }

std::uint64_t Watcher::pause_count() const { return impl_->pauses_.load(); }

}  // namespace coord
