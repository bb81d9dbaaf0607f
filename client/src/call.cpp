// Why a write that may have reached a server is never sent again (a member change excepted): the
// quorum read that looks for it cannot see a write appended but not yet committed, and it cannot
// tell "never applied" from "applied, then overwritten". A second copy could then apply after
// another client's newer write and undo it. The read settles what it can (our value is there:
// success); everything else is TransportError::kOutcomeUnknown for the caller to settle with its
// own unique values. `ambiguous_` matters to member changes only, which are sent again: once one
// may have been applied, a 409/404/410 may just mean that our earlier attempt won.
#include "client/src/call.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>

#include "client/src/check.hpp"
#include "client/src/codec.hpp"
#include "coord/error.hpp"

namespace coord::detail {
namespace asio = boost::asio;

namespace {

std::exception_ptr transport_error(const TransportResult& r, const std::string& endpoint) {
  using S = TransportResult::Status;
  using K = TransportError::Kind;
  K kind = r.status == S::kConnectFailed ? K::kConnect : r.status == S::kTimeout ? K::kTimeout
           : r.status == S::kCancelled   ? K::kCancelled
                                         : K::kIo;
  return std::make_exception_ptr(TransportError(kind, r.detail, endpoint));
}

std::exception_ptr answer_error(const HttpResponse& http, const std::string& endpoint) {
  if (auto e = parse_error(http)) return std::make_exception_ptr(*e);
  return std::make_exception_ptr(TransportError(TransportError::Kind::kProtocol,
                                                "HTTP " + std::to_string(http.status), endpoint));
}

bool blank(const std::string& s) { return s.find_first_not_of(" \r\n\t") == std::string::npos; }

bool member_resolution(Resolution r) { return r == Resolution::kMemberAdded || r == Resolution::kMemberGone; }

Operation quorum_read(const Operation& op) {
  Operation read;
  if (member_resolution(op.resolution)) {
    read.request.method = "GET";
    read.request.target = "/v2/members";
    read.request.authorization = op.request.authorization;
    read.result = ResultKind::kMembers;
    return read;
  }
  read.request.method = "GET";
  read.request.target = keys_target(op.key) + "?quorum=true" +
                        (op.resolution == Resolution::kChildCreated ? "&recursive=true&sorted=true" : "");
  read.request.authorization = op.request.authorization;
  read.retry = RetryClass::kRead;
  read.key = op.key;
  return read;
}

}  // namespace

Call::Call(ClientCore& core, Operation op, Done done)
    : core_(core),
      op_(std::move(op)),
      done_(std::move(done)),
      strand_(asio::make_strand(core.executor())),
      timer_(strand_),
      deadline_(op_.timeout ? Clock::now() + *op_.timeout : Clock::time_point::max()) {}

void Call::start() {
  asio::post(strand_, [self = shared_from_this()] {
    self->index_before_send_ = self->core_.last_index();
    self->attempt();
  });
}

void Call::cancel() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->finished_ || self->cancelled_) return;
    self->cancelled_ = true;
    self->timer_.cancel();
    if (self->cancel_inflight_) self->cancel_inflight_();
  });
}

void Call::attempt() {
  if (cancelled_) return finish(std::make_exception_ptr(TransportError(TransportError::Kind::kCancelled, "cancelled")));
  std::string endpoint = core_.endpoints().current();
  ++attempts_;
  auto attempt_deadline = deadline_;
  if (!op_.is_watch) attempt_deadline = std::min(deadline_, Clock::now() + core_.options().attempt_timeout);
  cancel_inflight_ = core_.transport().send(
      endpoint, op_.request, attempt_deadline, [self = shared_from_this(), endpoint](TransportResult r) {
        asio::post(self->strand_, [self, endpoint, r = std::move(r)]() mutable {
          self->cancel_inflight_ = nullptr;
          self->on_result(endpoint, std::move(r));
        });
      });
}

void Call::on_result(const std::string& endpoint, TransportResult result) {
  if (finished_) return;
  if (result.status == TransportResult::Status::kTimeout && Clock::now() >= deadline_) {
    // The call's own deadline (e.g. a quiet long poll), not a slow member: keep the endpoint.
    if (op_.is_watch) {
      std::uint64_t index = header_u64(result.response, "x-etcd-index");
      core_.observe_index(index);
      return finish(std::make_exception_ptr(
          TransportError(TransportError::Kind::kTimeout, "quiet watch: " + result.detail, endpoint, index)));
    }
    if (op_.retry == RetryClass::kRead || !result.maybe_sent) return finish(transport_error(result, endpoint));
  }
  switch (classify(op_, result)) {
    case Outcome::kCancelled:
      return finish(transport_error(result, endpoint));
    case Outcome::kRetry:
      // Invariant: a write is only re-sent blindly when it certainly never left this client.
      COORD_CLIENT_CHECK(op_.retry == RetryClass::kRead || !result.maybe_sent ||
                         result.status == TransportResult::Status::kOk);
      core_.endpoints().failed(endpoint);
      return retry_later(result.status == TransportResult::Status::kOk ? answer_error(result.response, endpoint)
                                                                        : transport_error(result, endpoint));
    case Outcome::kAmbiguous:
      core_.endpoints().failed(endpoint);
      ambiguous_ = true;
      return resolve(nullptr);
    case Outcome::kAnswer:
      return on_answer(endpoint, result);
  }
}

void Call::on_answer(const std::string& endpoint, TransportResult& result) {
  const HttpResponse& http = result.response;
  const std::string& cluster = http.header("x-etcd-cluster-id");
  if (!cluster.empty() && !core_.check_cluster_id(cluster)) {
    core_.endpoints().failed(endpoint);
    return finish(std::make_exception_ptr(TransportError(
        TransportError::Kind::kClusterIdMismatch,
        "answer from cluster " + cluster + ", expected " + core_.cluster_id(), endpoint)));
  }
  core_.observe_index(header_u64(http, "x-etcd-index"));
  if (op_.is_watch && http.status == 200 && blank(http.body)) {
    // The server closed the long poll without an event: poll again with the same index.
    if (cancelled_) return finish(std::make_exception_ptr(TransportError(TransportError::Kind::kCancelled, "cancelled")));
    --attempts_;
    return attempt();
  }
  deliver_answer(http);
}

void Call::deliver_answer(const HttpResponse& http) {
  if (op_.result != ResultKind::kKeys) {
    bool ok = op_.result == ResultKind::kNoContent ? http.status / 100 == 2 : http.status == 200 || http.status == 201;
    if (!ok) {
      auto error = std::make_exception_ptr(members_error(http));
      // 404/410 on a remove or 409 on an add may only mean that our earlier attempt won.
      bool conflict = http.status == 404 || http.status == 409 || http.status == 410;
      if (ambiguous_ && member_resolution(op_.resolution) && conflict) return resolve(error);
      return finish(error);
    }
    Response raw;  // non-keys answers travel as the raw body in node.value (see Client)
    raw.action = "raw";
    raw.node.value = http.body;
    raw.http_status = http.status;
    return finish(nullptr, std::move(raw));
  }
  // The error is passed on only after its catch block has ended: finish() wakes the waiting
  // thread, which reads the exception, and the exception object a catch block handles is the
  // runtime's until that block ends (ThreadSanitizer reports the overlap as a race).
  std::exception_ptr error;
  try {
    Response response = parse_keys_response(http);
    return finish(nullptr, std::move(response));
  } catch (...) {
    error = std::current_exception();
  }
  finish(error);
}

void Call::retry_later(std::exception_ptr last) {
  if (cancelled_) return finish(std::make_exception_ptr(TransportError(TransportError::Kind::kCancelled, "cancelled")));
  if (attempts_ >= core_.options().retry.max_attempts) return finish(last);
  auto n = static_cast<int>(core_.endpoints().size());
  std::chrono::milliseconds delay{0};
  // A fresh endpoint is tried at once; only a full pass over the list earns a backoff.
  if (attempts_ % n == 0) delay = core_.backoff().delay(attempts_ / n - 1);
  if (deadline_ != Clock::time_point::max() && Clock::now() + delay >= deadline_) {
    try {
      std::rethrow_exception(last);
    } catch (const std::exception& e) {
      return finish(std::make_exception_ptr(TransportError(
          TransportError::Kind::kTimeout,
          "deadline exceeded after " + std::to_string(attempts_) + " attempt(s); last error: " + e.what())));
    }
  }
  timer_.expires_after(delay);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code) { self->attempt(); });
}

void Call::resolve(std::exception_ptr conflict) {
  if (cancelled_) return finish(std::make_exception_ptr(TransportError(TransportError::Kind::kCancelled, "cancelled")));
  if (op_.resolution == Resolution::kNone) {
    return finish(std::make_exception_ptr(TransportError(TransportError::Kind::kOutcomeUnknown,
                                                         op_.request.method + " " + op_.request.target)));
  }
  Operation read = quorum_read(op_);
  // The read gets at least a second even when the write used up the deadline: knowing that a
  // write succeeded is worth a short overrun.
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
  read.timeout = std::max(left, std::chrono::milliseconds(1000));
  cancel_inflight_ = core_.start(std::move(read), [self = shared_from_this(), conflict](std::exception_ptr e, Response r) {
    asio::post(self->strand_, [self, conflict, e, r = std::move(r)] {
      self->cancel_inflight_ = nullptr;
      if (conflict && !e) {
        if (auto ok = self->resolved_response(e, r)) return self->finish(nullptr, std::move(*ok));
        return self->finish(conflict);
      }
      self->on_resolved(e, r);
    });
  });
}

std::optional<Response> Call::resolved_response(std::exception_ptr error, const Response& read) const {
  Response out;
  out.action = op_.action;
  out.resolved_by_read = true;
  out.etcd_index = read.etcd_index;
  out.http_status = 200;
  if (op_.resolution == Resolution::kAbsent) {
    if (!error) return std::nullopt;
    try {
      std::rethrow_exception(error);
    } catch (const Error& e) {
      if (e.error_code() != 100) return std::nullopt;
      out.node.key = op_.key;
      out.etcd_index = e.index();
      return out;
    } catch (...) {
      return std::nullopt;
    }
  }
  if (error) return std::nullopt;
  if (member_resolution(op_.resolution)) {
    bool listed = false;
    for (const auto& m : parse_members(read.node.value.value_or(""))) {
      if (op_.resolution == Resolution::kMemberGone ? m.id == op_.key
                                                    : std::find(m.peer_urls.begin(), m.peer_urls.end(), op_.value) !=
                                                          m.peer_urls.end()) {
        listed = true;
      }
    }
    if (listed != (op_.resolution == Resolution::kMemberAdded)) return std::nullopt;
    out.node.value = read.node.value;  // the member list; Client::add_member picks ours from it
    return out;
  }
  if (op_.resolution == Resolution::kValueWritten) {
    const Node& n = read.node;
    bool ours = op_.dir ? n.dir : (n.value && *n.value == op_.value);
    if (!ours || n.modified_index <= index_before_send_) return std::nullopt;
    out.node = n;
    return out;
  }
  for (const Node& child : read.node.nodes) {  // kChildCreated
    if (!child.dir && child.value && *child.value == op_.value && child.created_index > index_before_send_) {
      out.node = child;
      return out;
    }
  }
  return std::nullopt;
}

void Call::on_resolved(std::exception_ptr error, const Response& read) {
  if (auto ok = resolved_response(error, read)) return finish(nullptr, std::move(*ok));
  bool read_failed = false;
  std::string why = "deadline exceeded";
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const Error& e) {
      read_failed = e.error_code() != 100;
      why = e.what();
    } catch (const std::exception& e) {
      read_failed = true;
      why = e.what();
    }
  }
  if (cancelled_) return finish(std::make_exception_ptr(TransportError(TransportError::Kind::kCancelled, "cancelled")));
  if (read_failed || Clock::now() >= deadline_) {
    return finish(std::make_exception_ptr(TransportError(
        TransportError::Kind::kOutcomeUnknown,
        op_.request.method + " " + op_.request.target + ": the write may or may not have applied (" + why + ")")));
  }
  // Not applied as of a linearizable read — which cannot see a write the cluster appended but
  // has not committed yet, nor one applied and overwritten since. Only a member change is sent
  // again (a late copy fails, see Operation::repeatable); any other write is left to its caller.
  if (!op_.repeatable) {
    return finish(std::make_exception_ptr(TransportError(
        TransportError::Kind::kOutcomeUnknown,
        op_.request.method + " " + op_.request.target +
            ": not visible to a quorum read, but it may have applied or may still apply; not sent again")));
  }
  retry_later(std::make_exception_ptr(TransportError(TransportError::Kind::kIo, "write not applied")));
}

void Call::finish(std::exception_ptr error, Response response) {
  if (finished_) return;
  finished_ = true;
  timer_.cancel();
  auto done = std::move(done_);
  done_ = nullptr;
  try {
    done(error, std::move(response));
  } catch (...) {
    // A completion callback must not throw into the io_context; the call is over either way.
  }
  core_.call_finished(this);
}

}  // namespace coord::detail
