// Load-balanced client: keeps a live table of a service's instances and picks one per request (weighted round-robin), printing each pick and every change of the table.
//
//   load_balanced_client [--endpoints URLS] [--service NAME] [--requests N] [--interval-ms MS]
#include <iostream>
#include <thread>

#include "coord/coord.hpp"
#include "examples/example_args.hpp"

int main(int argc, char** argv) {
  coord::examples::Args args(argc, argv);
  try {
    coord::Client client(args.client_options());
    coord::recipes::LoadBalancerTable table(
        client, args.get("service", "web"),
        {.on_change = [](const std::vector<coord::recipes::ServiceInstance>& list) {
          std::cout << "table:";
          for (const auto& i : list) std::cout << " " << i.id << "=" << i.endpoint << "(w" << i.weight() << ")";
          std::cout << std::endl;
        }});
    long requests = args.num("requests", 20);
    auto interval = std::chrono::milliseconds(args.num("interval-ms", 500));
    for (long i = 0; i < requests; ++i) {
      if (auto pick = table.next()) {
        std::cout << "request " << i << " -> " << pick->id << " " << pick->endpoint
                  << (table.stale() ? " (stale table)" : "") << std::endl;
      } else {
        std::cout << "request " << i << " -> no instance" << std::endl;
      }
      std::this_thread::sleep_for(interval);  // pacing of the demo's requests
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "load_balanced_client: " << e.what() << std::endl;
    return 1;
  }
}
