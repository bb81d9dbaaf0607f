// Internal: one v2 call described as data — the HTTP request plus what the retry machinery needs
// to know to retry it safely. Built by Client's make_* functions, run by detail::Call. Not a
// stable API. Plain data: copy freely between threads.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "coord/transport.hpp"

namespace coord::detail {

// How a call may be repeated after a failure whose outcome is unknown.
enum class RetryClass {
  kRead,   // no effect on the server (get, watch, members list) or harmless to repeat (refresh)
  kWrite,  // never repeated once it may have reached a server: resolved with a quorum read
           // (see Resolution), else reported as TransportError::kOutcomeUnknown
};

// How a quorum read tells whether an ambiguous write took effect.
enum class Resolution {
  kNone,          // cannot tell: report TransportError::kOutcomeUnknown
  kValueWritten,  // the key holds our value (or is a dir for mkdir), modified after we sent
  kAbsent,        // the key is gone (delete, compare_and_delete)
  kChildCreated,  // a child of the dir holds our value, created after we sent (POST)
  kMemberAdded,   // /v2/members lists a member with our peer URL (`value`)
  kMemberGone,    // /v2/members no longer lists member `key`
};

enum class ResultKind { kKeys, kMembers, kMemberAdd, kNoContent };

struct Operation {
  HttpRequest request;
  RetryClass retry = RetryClass::kRead;
  Resolution resolution = Resolution::kNone;
  ResultKind result = ResultKind::kKeys;
  std::string key;                    // the key (or dir, for POST) the resolution reads
  std::string value;                  // the value we wrote (resolution compares it)
  bool dir = false;                   // we wrote a directory
  std::string action;                 // the action a success reports ("create", ...)
  // Whether the write may be sent again after a quorum read found it not applied. That read
  // cannot see a write the cluster appended but has not committed yet, which may still apply
  // later; and a key write it does not find may have applied and been overwritten since. So a
  // second copy of a key write could apply over another client's newer write (a plain set, an
  // update, a delete, a compare-and-swap on a value that came back: ABA), or make a second child
  // (POST): key writes are never sent again, their caller gets kOutcomeUnknown and settles it
  // with its own unique value. Only member changes are repeatable: a member's peer URL or id is
  // unique, so a late copy fails (409, 404/410) and that answer is itself resolved once more.
  bool repeatable = false;
  bool is_watch = false;              // an empty 200 body means "poll again"
  std::optional<std::chrono::milliseconds> timeout;  // nullopt: no deadline
};

}  // namespace coord::detail
