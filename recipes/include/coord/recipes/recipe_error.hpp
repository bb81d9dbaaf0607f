// coord::recipes::RecipeError — what a recipe throws when the coordination itself failed (as
// opposed to coord::Error / coord::TransportError from the client): our own queue entry or lease
// expired while waiting, or an ownership was lost. Immutable; safe to share.
#pragma once

#include <stdexcept>
#include <string>

namespace coord::recipes {

class RecipeError : public std::runtime_error {
 public:
  enum class Kind {
    kSessionExpired,  // our own TTL'd key (queue entry, lease) expired or was removed while waiting
    kLost,            // an ownership we held was lost
    kState,           // the call does not fit the object's state (e.g. lock() while holding)
  };
  RecipeError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

}  // namespace coord::recipes
