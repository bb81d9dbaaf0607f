// Exclusive lock: increments a shared counter key with an unprotected read-then-write inside std::lock_guard<DistributedLock> (or SequencedLock with --sequenced).
//
//   exclusive_lock [--endpoints URLS] [--name NAME] [--counter KEY] [--increments N] [--ttl S]
//                  [--sequenced] [--hold-seconds S]
// Prints one line per critical section: "token=<fencing token> counter=<value read>", so a test
// can check the final count and that tokens grow across holders. --hold-seconds keeps the first
// acquisition for that long (to be killed while holding).
// Exit status: 0 done; 1 an error; 3 the lease was lost inside the critical section (nothing
// written); 4 the counter's write had an unknown outcome (its reply was lost and the read that
// looked for it could not tell): the counter may or may not include that increment, so read it
// before running again. The SDK never sends such a write a second time: a late copy could undo a
// later holder's increment. The lock itself settles its own unknown outcomes.
#include <iostream>
#include <mutex>
#include <thread>

#include "coord/coord.hpp"
#include "examples/example_args.hpp"

namespace {

template <class Lock>
int run(coord::Client& client, Lock& lock, const coord::examples::Args& args) {
  std::string counter = args.get("counter", "/examples/counter");
  long increments = args.num("increments", 10);
  long hold = args.num("hold-seconds", 0);
  for (long i = 0; i < increments; ++i) {
    std::lock_guard guard(lock);
    long value = 0;
    try {
      value = std::stol(client.get(counter, coord::GetOptions{.quorum = true}).node.value.value_or("0"));
    } catch (const coord::Error& e) {
      if (e.error_code() != coord::errc::kKeyNotFound) throw;
    }
    std::cout << "token=" << lock.fencing_token() << " counter=" << value << std::endl;
    if (hold > 0) {
      std::cout << "holding" << std::endl;
      std::this_thread::sleep_for(std::chrono::seconds(hold));  // a long critical section
    }
    if (!lock.owns_lock()) {
      std::cerr << "lease lost inside the critical section; not writing" << std::endl;
      return 3;
    }
    try {
      client.set(counter, std::to_string(value + 1));
    } catch (const coord::TransportError& e) {
      if (e.kind() != coord::TransportError::Kind::kOutcomeUnknown) throw;
      std::cerr << "exclusive_lock: the write of " << counter << " may or may not have applied (" << e.what()
                << "); read " << counter << " before running again" << std::endl;
      return 4;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  coord::examples::Args args(argc, argv);
  try {
    coord::Client client(args.client_options());
    std::string name = args.get("name", "example-lock");
    auto ttl = std::chrono::seconds(args.num("ttl", 10));
    if (args.flag("sequenced")) {
      coord::recipes::SequencedLock lock(client, name, {.ttl = ttl});
      return run(client, lock, args);
    }
    coord::recipes::DistributedLock lock(client, name, {.ttl = ttl});
    return run(client, lock, args);
  } catch (const std::exception& e) {
    std::cerr << "exclusive_lock: " << e.what() << std::endl;
    return 1;
  }
}
