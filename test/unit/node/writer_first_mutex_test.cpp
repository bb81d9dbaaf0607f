// WriterFirstMutex: once a writer waits, readers that come after it wait too (so a stream of
// readers cannot keep the writer out); readers share the lock otherwise.
#include "server/node/writer_first_mutex.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <thread>

namespace coord::node {

BOOST_AUTO_TEST_SUITE(writer_first_mutex)

BOOST_AUTO_TEST_CASE(readers_share_the_lock) {
  WriterFirstMutex mu;
  std::shared_lock first(mu);
  BOOST_TEST(mu.try_lock_shared());
  mu.unlock_shared();
  BOOST_TEST(!mu.try_lock());
}

BOOST_AUTO_TEST_CASE(a_waiting_writer__goes_before_readers_that_come_after_it) {
  WriterFirstMutex mu;
  mu.lock_shared();  // a long read in progress
  std::atomic<bool> wrote{false};
  std::thread writer([&] {
    std::unique_lock lock(mu);
    wrote = true;
  });
  // The writer cannot get in yet. Wait until it is queued: from then on a new reader is
  // refused (with readers first, as std::shared_mutex on glibc, it never would be: the loop
  // gives up after 30 s and the test fails).
  bool reader_refused = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!reader_refused && std::chrono::steady_clock::now() < deadline) {
    if (mu.try_lock_shared()) {
      mu.unlock_shared();
      std::this_thread::yield();
    } else {
      reader_refused = true;
    }
  }
  BOOST_TEST(reader_refused);
  BOOST_TEST(!wrote.load());
  mu.unlock_shared();  // the long read ends: the writer goes
  writer.join();
  BOOST_TEST(wrote.load());
  BOOST_TEST(mu.try_lock_shared());
  mu.unlock_shared();
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::node
