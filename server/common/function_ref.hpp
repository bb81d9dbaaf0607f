// FunctionRef<R(Args...)>: a non-owning reference to something callable, for passing a caller's
// lambda through a virtual function without std::function's allocation and copy (C++26 has
// std::function_ref; Boost 1.81 has none). Two words: the callable's address and a thunk.
//
// Invariant: the referenced callable outlives every call through the FunctionRef. Use it only as
// a parameter that is called before the callee returns; never store it.
#pragma once

#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

namespace coord {

template <class Signature>
class FunctionRef;

template <class R, class... Args>
class FunctionRef<R(Args...)> {
 public:
  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, FunctionRef> && std::is_invocable_r_v<R, F&, Args...>)
  FunctionRef(F&& fn) noexcept  // NOLINT: implicit, as a parameter type should be
      : callable_(const_cast<void*>(static_cast<const void*>(std::addressof(fn)))),
        thunk_([](void* callable, Args... args) -> R {
          return std::invoke(*static_cast<std::remove_reference_t<F>*>(callable), std::forward<Args>(args)...);
        }) {}

  R operator()(Args... args) const { return thunk_(callable_, std::forward<Args>(args)...); }

 private:
  void* callable_;
  R (*thunk_)(void*, Args...);
};

}  // namespace coord
