// Applier: turns one committed Request into the store call etcd's v2 applier would make (etcd 3.4's
// v2 API: PUT → set/create/update/compareAndSwap by prevExist/prevValue/prevIndex; POST → in-order
// create; DELETE → delete/compareAndDelete; quorum GET; SYNC → expiry; membership changes; v2 auth
// writes) and hands back the answer. Pure: `Request::time` is its only notion of now. Not
// thread-safe: call inside a round (Node::apply_committed) with the store's exclusive lock held.
#pragma once

#include <optional>
#include <variant>

#include "server/apply/request.hpp"
#include "server/auth/auth_state.hpp"
#include "server/common/check.hpp"
#include "server/store/event.hpp"
#include "server/store/store.hpp"
#include "server/store/v2_error.hpp"

namespace coord::apply {

// The answer to one applied Request: the event (for SYNC, membership and auth changes none,
// which event() shows as an empty one nobody reads) or the etcd error; for an applied kAuth
// request, also its outcome. The event is the store's published one, shared with its history
// and watchers: an answer holds no copy of the values.
struct Response {
  std::variant<store::EventPtr, store::V2Error> result;
  std::optional<auth::AuthOutcome> auth;

  bool ok() const { return result.index() == 0; }
  const store::Event& event() const {
    COORD_CHECK(ok(), "event() on an error Response");
    static const store::Event kNone;
    const store::EventPtr& e = std::get<0>(result);
    return e ? *e : kNone;
  }
  const store::V2Error& error() const {
    COORD_CHECK(!ok(), "error() on an ok Response");
    return std::get<1>(result);
  }
};

class Applier {
 public:
  explicit Applier(store::Store& store) : store_(store) {}

  // Applies `request` to the store (the caller holds its exclusive lock).
  Response apply(const Request& request);

 private:
  Response put(const Request& r);
  Response remove(const Request& r);
  Response membership(const Request& r);

  store::Store& store_;
};

}  // namespace coord::apply
