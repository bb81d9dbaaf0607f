// V2Result<T>: what a store operation returns: the value, or the etcd v2 error the API shows
// (errorCode, cause, index). Errors are values here, exactly as the project's style asks. Plain value;
// safe to copy between threads.
#pragma once

#include <memory>
#include <utility>
#include <variant>

#include "server/common/check.hpp"
#include "server/store/event.hpp"
#include "server/store/v2_error.hpp"

namespace coord::store {

template <class T>
class V2Result {
 public:
  V2Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}       // NOLINT: implicit by design
  V2Result(V2Error error) : v_(std::in_place_index<1>, std::move(error)) {} // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { COORD_CHECK(ok(), "value() on an error V2Result"); return std::get<0>(v_); }
  const T& value() const& { COORD_CHECK(ok(), "value() on an error V2Result"); return std::get<0>(v_); }
  T&& value() && { COORD_CHECK(ok(), "value() on an error V2Result"); return std::get<0>(std::move(v_)); }
  const V2Error& error() const& { COORD_CHECK(!ok(), "error() on an ok V2Result"); return std::get<1>(v_); }
  V2Error&& error() && { COORD_CHECK(!ok(), "error() on an ok V2Result"); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, V2Error> v_;
};

// What a store write returns: the event it published, or the error. The event is the one the
// history and the watchers hold (shared, immutable), so an answer is formatted from it without
// copying its values: a 1 MB value and its prevNode's would otherwise be copied once more per
// write. Reads like a V2Result<Event> (value() is the event), and converts to one (a copy).
// Plain value; safe to copy between threads.
class EventResult {
 public:
  EventResult(EventPtr event) : v_(std::in_place_index<0>, std::move(event)) {  // NOLINT: implicit by design
    COORD_CHECK(std::get<0>(v_) != nullptr, "EventResult of a null event");
  }
  EventResult(V2Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const Event& value() const { return *shared(); }
  const EventPtr& shared() const { COORD_CHECK(ok(), "value() on an error EventResult"); return std::get<0>(v_); }
  const V2Error& error() const& { COORD_CHECK(!ok(), "error() on an ok EventResult"); return std::get<1>(v_); }
  V2Error&& error() && { COORD_CHECK(!ok(), "error() on an ok EventResult"); return std::get<1>(std::move(v_)); }

  operator V2Result<Event>() const {  // NOLINT: implicit by design (tests compare results)
    if (ok()) return value();
    return error();
  }

 private:
  std::variant<EventPtr, V2Error> v_;
};

}  // namespace coord::store
