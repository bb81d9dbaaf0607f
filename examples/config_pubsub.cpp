// Config publish/subscribe: "publish NAME VALUE" sets one key of a config directory; "subscribe" prints the snapshot and then every change in order.
//
//   config_pubsub publish NAME VALUE [--endpoints URLS] [--dir /config/app]
//   config_pubsub subscribe [--endpoints URLS] [--dir /config/app] [--seconds S]
#include <iostream>
#include <thread>

#include "coord/coord.hpp"
#include "examples/example_args.hpp"

int main(int argc, char** argv) {
  coord::examples::Args args(argc, argv);
  const auto& pos = args.positional();
  std::string dir = args.get("dir", "/config/app");
  try {
    coord::Client client(args.client_options());
    if (pos.size() == 3 && pos[0] == "publish") {
      auto r = coord::recipes::ConfigWatcher::publish(client, dir, pos[1], pos[2]);
      std::cout << "published " << r.node.key << " at index " << r.node.modified_index << std::endl;
      return 0;
    }
    if (pos.size() == 1 && pos[0] == "subscribe") {
      coord::recipes::ConfigWatcher watcher(client, dir, [](const coord::recipes::ConfigChange& c, const auto& all) {
        using K = coord::recipes::ConfigChange::Kind;
        if (c.kind == K::kSnapshot) {
          std::cout << "snapshot (" << all.size() << " keys)";
          for (const auto& [k, v] : all) std::cout << " " << k << "=" << v;
        } else {
          std::cout << (c.kind == K::kSet ? "set " : "delete ") << c.name << (c.value ? "=" + *c.value : "")
                    << " index=" << c.index << (c.resync ? " (resync)" : "");
        }
        std::cout << std::endl;
      });
      std::this_thread::sleep_for(std::chrono::seconds(args.num("seconds", 1000000)));  // runs until killed
      return 0;
    }
    std::cerr << "usage: config_pubsub publish NAME VALUE | subscribe  [--dir DIR] [--endpoints URLS]" << std::endl;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "config_pubsub: " << e.what() << std::endl;
    return 1;
  }
}
