#include "client/src/client_core.hpp"

#include <chrono>

#include "client/src/call.hpp"
#include "client/src/check.hpp"
#include "client/src/codec.hpp"
#include "coord/error.hpp"

namespace coord::detail {

namespace {
// How long the destructor waits for cancelled calls to deliver before stopping the io_context.
constexpr auto kShutdownGrace = std::chrono::seconds(2);

thread_local const ClientCore* tls_running_core = nullptr;
}  // namespace

ClientCore::ClientCore(ClientOptions options)
    : options_(std::move(options)), endpoints_(options_.endpoints), backoff_(options_.retry) {
  transport_ = options_.transport_factory ? options_.transport_factory(ioc_.get_executor(), options_)
                                          : make_http_transport(ioc_.get_executor(), options_);
  for (const auto& e : endpoints_.all()) {
    if (!transport_->supports(e)) {
      throw TransportError(TransportError::Kind::kNoEndpoint,
                           "this transport cannot reach " + e +
                               " (https needs coord::make_tls_transport from <coord/tls.hpp>)");
    }
  }
  if (!options_.username.empty()) {
    authorization_ = basic_authorization(options_.username, options_.password);
  }
  work_.emplace(ioc_.get_executor());
  int n = std::max(1, options_.io_threads);
  for (int i = 0; i < n; ++i) {
    threads_.emplace_back([this] {
      tls_running_core = this;
      ioc_.run();
    });
  }
}

ClientCore::~ClientCore() { shutdown(); }

bool ClientCore::on_io_thread() const { return tls_running_core == this; }

void ClientCore::shutdown() noexcept {
  std::vector<std::shared_ptr<Call>> live;
  {
    std::lock_guard lock(mu_);
    if (closed_ && threads_.empty()) return;
    closed_ = true;
    for (auto& [ptr, weak] : calls_) {
      if (auto call = weak.lock()) live.push_back(std::move(call));
    }
  }
  for (auto& call : live) call->cancel();
  live.clear();
  {
    std::unique_lock lock(mu_);
    calls_done_.wait_for(lock, kShutdownGrace, [this] { return calls_.empty(); });
  }
  transport_->shutdown();
  work_.reset();
  // Handlers already posted (results of cancelled calls) still run; a stuck one cannot hold us
  // for ever: after the grace period the io_context is stopped.
  bool stuck = false;
  {
    std::unique_lock lock(mu_);
    stuck = !calls_done_.wait_for(lock, kShutdownGrace, [this] { return calls_.empty(); });
  }
  if (stuck) ioc_.stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

std::function<void()> ClientCore::start(Operation op, Done done) {
  auto call = std::make_shared<Call>(*this, std::move(op), std::move(done));
  bool closed;
  {
    std::lock_guard lock(mu_);
    closed = closed_;
    if (!closed) calls_.emplace(call.get(), call);
  }
  if (closed) {
    // The io_context may already be gone: refuse on the caller's thread.
    throw TransportError(TransportError::Kind::kShutdown, "the client is shutting down");
  }
  call->start();
  std::weak_ptr<Call> weak = call;
  return [weak] {
    if (auto c = weak.lock()) c->cancel();
  };
}

bool ClientCore::check_cluster_id(const std::string& id) {
  std::lock_guard lock(mu_);
  if (cluster_id_.empty()) cluster_id_ = id;
  return cluster_id_ == id;
}

std::string ClientCore::cluster_id() const {
  std::lock_guard lock(mu_);
  return cluster_id_;
}

void ClientCore::observe_index(std::uint64_t index) {
  auto seen = last_index_.load();
  while (index > seen && !last_index_.compare_exchange_weak(seen, index)) {
  }
}

void ClientCore::call_finished(Call* call) {
  std::lock_guard lock(mu_);
  // Invariant: every call registers once and finishes once.
  COORD_CLIENT_CHECK(calls_.erase(call) == 1);
  if (calls_.empty()) calls_done_.notify_all();
}

}  // namespace coord::detail
