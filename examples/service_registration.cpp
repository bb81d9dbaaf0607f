// Service registration with heartbeats: registers one instance with a TTL, keeps it alive until SIGINT/SIGTERM (or --seconds), then deregisters.
//
//   service_registration [--endpoints URLS] [--service NAME] [--id ID] [--endpoint HOST:PORT]
//                        [--ttl S] [--weight W] [--seconds S]
#include <unistd.h>

#include <csignal>
#include <iostream>
#include <thread>

#include "coord/coord.hpp"
#include "examples/example_args.hpp"

namespace {
volatile std::sig_atomic_t g_stop = 0;
}

int main(int argc, char** argv) {
  coord::examples::Args args(argc, argv);
  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  try {
    coord::Client client(args.client_options());
    coord::recipes::ServiceRegistry registry(client, args.get("service", "web"));
    std::string id = args.get("id", "instance-" + std::to_string(::getpid()));
    boost::json::object metadata{{"weight", args.num("weight", 1)}, {"zone", "local"}};
    auto registration = registry.register_instance(id, args.get("endpoint", "127.0.0.1:8080"),
                                                   std::chrono::seconds(args.num("ttl", 10)), metadata);
    std::cout << "registered " << registration.key() << std::endl;
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(args.num("seconds", 1000000));
    while (!g_stop && registration.alive() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // idle until asked to stop
    }
    if (!registration.alive()) std::cerr << "registration lost" << std::endl;
    std::cout << "deregistering" << std::endl;
    return 0;  // the Registration's destructor deregisters
  } catch (const std::exception& e) {
    std::cerr << "service_registration: " << e.what() << std::endl;
    return 1;
  }
}
