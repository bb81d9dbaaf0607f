#include "test/support/client/fake_transport.hpp"

namespace coord::test {

void FakeTransport::set_responder(Responder responder) {
  std::lock_guard lock(mu_);
  responder_ = std::move(responder);
}

std::function<void()> FakeTransport::send(const std::string& endpoint, HttpRequest request, Deadline deadline,
                                          Callback done) {
  Responder responder;
  {
    std::lock_guard lock(mu_);
    sent_.push_back({endpoint, request, deadline});
    responder = responder_;
  }
  cv_.notify_all();
  std::optional<TransportResult> result;
  if (responder) result = responder(endpoint, request);
  if (result) {
    done(std::move(*result));
    return [] {};
  }
  std::uint64_t id;
  {
    std::lock_guard lock(mu_);
    id = next_id_++;
    held_.emplace(id, std::move(done));
  }
  cv_.notify_all();
  return [this, id] {
    Callback cb;
    {
      std::lock_guard lock(mu_);
      auto it = held_.find(id);
      if (it == held_.end()) return;
      cb = std::move(it->second);
      held_.erase(it);
    }
    cb(failure(TransportResult::Status::kCancelled, true));
  };
}

void FakeTransport::shutdown() {
  {
    std::lock_guard lock(mu_);
    shut_down_ = true;
  }
  cv_.notify_all();
}

bool FakeTransport::wait_shut_down(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return shut_down_; });
}

bool FakeTransport::shut_down() const {
  std::lock_guard lock(mu_);
  return shut_down_;
}

std::vector<SentRequest> FakeTransport::sent() const {
  std::lock_guard lock(mu_);
  return sent_;
}

std::size_t FakeTransport::held() const {
  std::lock_guard lock(mu_);
  return held_.size();
}

bool FakeTransport::wait_held(std::size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return held_.size() >= n; });
}

bool FakeTransport::wait_sent(std::size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return sent_.size() >= n; });
}

bool FakeTransport::complete_oldest(TransportResult result) {
  Callback cb;
  {
    std::lock_guard lock(mu_);
    if (held_.empty()) return false;
    cb = std::move(held_.begin()->second);
    held_.erase(held_.begin());
  }
  cb(std::move(result));
  return true;
}

bool FakeTransport::expire_oldest() { return complete_oldest(failure(TransportResult::Status::kTimeout, true)); }

ClientOptions FakeTransport::options(std::shared_ptr<FakeTransport> fake, std::vector<std::string> endpoints) {
  ClientOptions o;
  o.endpoints = std::move(endpoints);
  o.request_timeout = std::chrono::seconds(5);
  o.retry.initial_delay = std::chrono::milliseconds(1);
  o.retry.max_delay = std::chrono::milliseconds(4);
  o.retry.seed = 7;
  o.transport_factory = [fake](boost::asio::any_io_executor, const ClientOptions&) -> std::shared_ptr<Transport> {
    return fake;
  };
  return o;
}

TransportResult answer(int status, std::string body, std::uint64_t etcd_index, std::string cluster_id) {
  TransportResult r;
  r.status = TransportResult::Status::kOk;
  r.maybe_sent = true;
  r.response.status = status;
  r.response.body = std::move(body);
  r.response.headers["x-etcd-index"] = std::to_string(etcd_index);
  if (!cluster_id.empty()) r.response.headers["x-etcd-cluster-id"] = cluster_id;
  return r;
}

TransportResult failure(TransportResult::Status status, bool maybe_sent) {
  TransportResult r;
  r.status = status;
  r.maybe_sent = maybe_sent;
  r.detail = "fake failure";
  return r;
}

std::string event_body(const std::string& action, const std::string& key, const std::string& value, std::uint64_t index) {
  return "{\"action\":\"" + action + "\",\"node\":{\"key\":\"" + key + "\",\"value\":\"" + value +
         "\",\"modifiedIndex\":" + std::to_string(index) + ",\"createdIndex\":" + std::to_string(index) + "}}\n";
}

std::string error_body(int code, const std::string& message, const std::string& cause, std::uint64_t index) {
  return "{\"errorCode\":" + std::to_string(code) + ",\"message\":\"" + message + "\",\"cause\":\"" + cause +
         "\",\"index\":" + std::to_string(index) + "}\n";
}

}  // namespace coord::test
