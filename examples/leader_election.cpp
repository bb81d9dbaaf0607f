// Leader election: campaigns with a name, leads for --lead-seconds (or until the leadership is lost), then resigns; "observe" prints every leader change.
//
//   leader_election campaign NAME [--endpoints URLS] [--election E] [--ttl S] [--lead-seconds S]
//   leader_election observe [--endpoints URLS] [--election E] [--seconds S]
#include <iostream>
#include <thread>

#include "coord/coord.hpp"
#include "examples/example_args.hpp"

int main(int argc, char** argv) {
  coord::examples::Args args(argc, argv);
  const auto& pos = args.positional();
  std::string election = args.get("election", "example-election");
  try {
    coord::Client client(args.client_options());
    coord::recipes::LeaderElection e(client, election, {.ttl = std::chrono::seconds(args.num("ttl", 10))});
    if (pos.size() == 2 && pos[0] == "campaign") {
      e.campaign(pos[1]);
      std::cout << pos[1] << " is leader (term " << e.term() << ")" << std::endl;
      auto until = std::chrono::steady_clock::now() + std::chrono::seconds(args.num("lead-seconds", 10));
      while (e.is_leader() && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // "leading"
      }
      std::cout << pos[1] << (e.is_leader() ? " resigns" : " lost the leadership") << std::endl;
      e.resign();
      return 0;
    }
    if (pos.size() == 1 && pos[0] == "observe") {
      auto observation = e.observe([](const std::optional<coord::recipes::LeaderInfo>& leader) {
        std::cout << "leader: " << (leader ? leader->value + " (term " + std::to_string(leader->created_index) + ")" : "none")
                  << std::endl;
      });
      std::this_thread::sleep_for(std::chrono::seconds(args.num("seconds", 1000000)));  // runs until killed
      return 0;
    }
    std::cerr << "usage: leader_election campaign NAME | observe  [--election E] [--endpoints URLS]" << std::endl;
    return 2;
  } catch (const std::exception& ex) {
    std::cerr << "leader_election: " << ex.what() << std::endl;
    return 1;
  }
}
