// Task progress with a monitor: "work TASK" reports throttled progress on a TTL'd task key and records completion; "monitor" prints every task state change of the job.
//
//   task_progress work TASK [--endpoints URLS] [--job NAME] [--steps N] [--step-ms MS] [--ttl S] [--fail]
//   task_progress monitor [--endpoints URLS] [--job NAME] [--seconds S]
#include <iostream>
#include <thread>

#include "coord/coord.hpp"
#include "examples/example_args.hpp"

int main(int argc, char** argv) {
  coord::examples::Args args(argc, argv);
  const auto& pos = args.positional();
  std::string job = args.get("job", "example-job");
  try {
    coord::Client client(args.client_options());
    if (pos.size() == 2 && pos[0] == "work") {
      coord::recipes::TaskProgress task(client, job, pos[1],
                                        {.ttl = std::chrono::seconds(args.num("ttl", 10)),
                                         .min_interval = std::chrono::milliseconds(200)});
      long steps = args.num("steps", 10);
      for (long i = 1; i <= steps; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(args.num("step-ms", 300)));  // the "work"
        task.report(static_cast<double>(i) / steps, "step " + std::to_string(i));
      }
      if (args.flag("fail")) {
        task.fail("simulated failure");
      } else {
        task.complete("done");
      }
      std::cout << "finished " << task.key() << std::endl;
      return 0;
    }
    if (pos.size() == 1 && pos[0] == "monitor") {
      coord::recipes::TaskMonitor monitor(client, job, [](const coord::recipes::TaskStatus& t) {
        std::cout << t.task << " " << coord::recipes::to_string(t.state) << " " << static_cast<int>(t.fraction * 100)
                  << "% " << t.message << std::endl;
      });
      std::this_thread::sleep_for(std::chrono::seconds(args.num("seconds", 1000000)));  // runs until killed
      return 0;
    }
    std::cerr << "usage: task_progress work TASK | monitor  [--job NAME] [--endpoints URLS]" << std::endl;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "task_progress: " << e.what() << std::endl;
    return 1;
  }
}
