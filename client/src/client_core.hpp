// Internal: the shared state behind coord::Client — the io_context and its threads, the
// transport, the endpoint list, the pinned cluster id and the set of calls in flight (so the
// destructor can cancel them and wait, within a bound, for them to finish).
//
// Thread-safety: safe for concurrent use. Calls refer to the core by reference: shutdown()
// waits for every registered call before the core can go away.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "client/src/endpoint_set.hpp"
#include "client/src/retry_policy.hpp"
#include "coord/detail/operation.hpp"
#include "coord/options.hpp"
#include "coord/transport.hpp"
#include "coord/types.hpp"

namespace coord::detail {

class Call;
using Done = std::function<void(std::exception_ptr, Response)>;

class ClientCore {
 public:
  explicit ClientCore(ClientOptions options);
  ~ClientCore();
  ClientCore(const ClientCore&) = delete;
  ClientCore& operator=(const ClientCore&) = delete;

  // Cancels every call, waits (bounded) for them, stops the threads. Idempotent; noexcept.
  void shutdown() noexcept;

  // Starts `op`; `done` runs exactly once on a client thread. Returns a cancel function.
  std::function<void()> start(Operation op, Done done);

  boost::asio::any_io_executor executor() { return ioc_.get_executor(); }
  bool on_io_thread() const;
  const ClientOptions& options() const { return options_; }
  EndpointSet& endpoints() { return endpoints_; }
  Backoff& backoff() { return backoff_; }
  Transport& transport() { return *transport_; }
  const std::string& authorization() const { return authorization_; }

  // Pins the cluster id from the first answer that has one; false when `id` differs from it.
  bool check_cluster_id(const std::string& id);
  std::string cluster_id() const;
  // The highest X-Etcd-Index seen (used to date ambiguous writes).
  void observe_index(std::uint64_t index);
  std::uint64_t last_index() const { return last_index_.load(); }

  // Called by a Call when it has delivered its result.
  void call_finished(Call* call);

 private:
  // Constant after construction.
  ClientOptions options_;
  boost::asio::io_context ioc_;
  EndpointSet endpoints_;
  Backoff backoff_;
  std::shared_ptr<Transport> transport_;
  std::string authorization_;
  std::vector<std::thread> threads_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;

  std::atomic<std::uint64_t> last_index_{0};

  mutable std::mutex mu_;
  std::condition_variable calls_done_;
  std::string cluster_id_;                                      // guarded by mu_
  bool closed_ = false;                                         // guarded by mu_
  std::unordered_map<Call*, std::weak_ptr<Call>> calls_;        // guarded by mu_
};

}  // namespace coord::detail
