// run_on_small_stack: runs a function on a thread whose stack is only `stack_bytes` big and
// waits for it. Tests use it to show that a walk over a very deep structure needs no stack in
// proportion to the depth: a recursive walk would overflow it (and crash the test) long before
// the depth the test uses. Header-only; call from any thread.
#pragma once

#include <pthread.h>

#include <cstddef>
#include <functional>
#include <stdexcept>

namespace coord::test {

inline void run_on_small_stack(const std::function<void()>& fn, std::size_t stack_bytes = 256 * 1024) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, stack_bytes);
  pthread_t thread;
  auto trampoline = [](void* arg) -> void* {
    (*static_cast<const std::function<void()>*>(arg))();
    return nullptr;
  };
  const int started = pthread_create(&thread, &attr, trampoline, const_cast<std::function<void()>*>(&fn));
  pthread_attr_destroy(&attr);
  if (started != 0) throw std::runtime_error("pthread_create failed");
  pthread_join(thread, nullptr);
}

}  // namespace coord::test
