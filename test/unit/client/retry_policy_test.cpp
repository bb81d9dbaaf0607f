#include <boost/test/unit_test.hpp>

#include "client/src/endpoint_set.hpp"
#include "client/src/retry_policy.hpp"

using namespace coord;
using namespace coord::detail;
using std::chrono::milliseconds;

BOOST_AUTO_TEST_SUITE(client_retry_policy)

BOOST_AUTO_TEST_CASE(backoff__doubles_within_jitter_band_and_stops_at_cap) {
  RetryPolicy p{.initial_delay = milliseconds(100), .max_delay = milliseconds(1000), .seed = 1};
  Backoff b(p);
  for (int trial = 0; trial < 50; ++trial) {
    auto d0 = b.delay(0), d1 = b.delay(1), d3 = b.delay(3), d9 = b.delay(9);
    BOOST_TEST((d0 >= milliseconds(50) && d0 <= milliseconds(100)));
    BOOST_TEST((d1 >= milliseconds(100) && d1 <= milliseconds(200)));
    BOOST_TEST((d3 >= milliseconds(400) && d3 <= milliseconds(800)));
    BOOST_TEST((d9 >= milliseconds(500) && d9 <= milliseconds(1000)));
  }
}

BOOST_AUTO_TEST_CASE(backoff__same_seed_gives_same_sequence) {
  RetryPolicy p{.initial_delay = milliseconds(100), .max_delay = milliseconds(5000), .seed = 99};
  Backoff a(p), b(p);
  bool any_jitter = false;
  for (int i = 0; i < 20; ++i) {
    auto x = a.delay(5), y = b.delay(5);
    BOOST_TEST(x.count() == y.count());
    any_jitter |= x != milliseconds(3200);
  }
  BOOST_TEST(any_jitter);
}

BOOST_AUTO_TEST_CASE(classify__writes_that_may_have_been_sent_are_ambiguous_reads_retry) {
  Operation read, write;
  write.retry = RetryClass::kWrite;
  TransportResult lost;
  lost.status = TransportResult::Status::kIoError;
  lost.maybe_sent = true;
  BOOST_TEST((classify(read, lost) == Outcome::kRetry));
  BOOST_TEST((classify(write, lost) == Outcome::kAmbiguous));
  TransportResult refused;
  refused.status = TransportResult::Status::kConnectFailed;
  BOOST_TEST((classify(write, refused) == Outcome::kRetry));
  TransportResult timeout_unsent;
  timeout_unsent.status = TransportResult::Status::kTimeout;
  timeout_unsent.maybe_sent = false;
  BOOST_TEST((classify(write, timeout_unsent) == Outcome::kRetry));
  TransportResult five_hundred;
  five_hundred.response.status = 500;
  BOOST_TEST((classify(read, five_hundred) == Outcome::kRetry));
  BOOST_TEST((classify(write, five_hundred) == Outcome::kAmbiguous));
  TransportResult not_found;
  not_found.response.status = 404;
  BOOST_TEST((classify(write, not_found) == Outcome::kAnswer));
  TransportResult cancelled;
  cancelled.status = TransportResult::Status::kCancelled;
  BOOST_TEST((classify(read, cancelled) == Outcome::kCancelled));
}

BOOST_AUTO_TEST_CASE(endpoint_set__sticks_until_current_fails_and_ignores_stale_reports) {
  EndpointSet set({"http://a:1/", "http://b:2", "http://a:1"});
  BOOST_TEST(set.size() == 2u);
  BOOST_TEST(set.current() == "http://a:1");
  set.failed("http://b:2");  // not current: a late report must not skip a healthy endpoint
  BOOST_TEST(set.current() == "http://a:1");
  set.failed("http://a:1");
  BOOST_TEST(set.current() == "http://b:2");
  set.failed("http://b:2");
  BOOST_TEST(set.current() == "http://a:1");
  set.merge({"http://c:3", "http://b:2", "not a url"});
  BOOST_TEST(set.size() == 3u);
  BOOST_CHECK_THROW(EndpointSet({}), std::invalid_argument);
  BOOST_CHECK_THROW(EndpointSet({"ftp://127.0.0.1:2379"}), std::invalid_argument);
  // An endpoint as users type it (coord/endpoint_url.hpp): no scheme is http, any case, one spelling.
  BOOST_TEST(EndpointSet({"127.0.0.1:2379"}).current() == "http://127.0.0.1:2379");
  BOOST_TEST(EndpointSet({"HTTP://127.0.0.1:2379/", "http://127.0.0.1:2379"}).size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
