#include "server/store/fan_out.hpp"

#include <algorithm>
#include <utility>

namespace coord::store {

std::vector<WatchId> FanOut::run() {
  std::vector<Target> targets = std::exchange(targets_, {});
  std::vector<EventPtr> events = std::exchange(events_, {});
  std::vector<WatchId> ended;  // stream watchers whose sink said stop: rare, so a linear scan
  for (Target& t : targets) {
    if (!ended.empty() && std::find(ended.begin(), ended.end(), t.id) != ended.end()) continue;
    if (!(*t.sink)(events[t.event]) && t.stream) ended.push_back(t.id);
  }
  return ended;
}

}  // namespace coord::store
