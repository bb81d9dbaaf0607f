// coord-bench: an HTTP/1.1 load generator for the etcd v2 API (coordd or etcd), built on Beast
// alone so it measures the server rather than a client library. See test/bench/README.md.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "test/bench/coord_bench/bench_options.hpp"
#include "test/bench/coord_bench/latency_recorder.hpp"
#include "test/bench/coord_bench/load_connection.hpp"
#include "test/bench/coord_bench/request_source.hpp"
#include "test/bench/coord_bench/watch_fanout.hpp"

namespace net = boost::asio;
using coord::bench::BenchClock;
using coord::bench::BenchOptions;
using coord::bench::LatencyRecorder;
using coord::bench::LatencySummary;
using coord::bench::Workload;

namespace {

constexpr auto kDrainLimit = std::chrono::seconds(10);

struct PhaseResult {
  LatencyRecorder recorder;
  double seconds = 0;
};

std::vector<net::ip::tcp::endpoint> resolve(const BenchOptions& options) {
  net::io_context ioc;
  net::ip::tcp::resolver resolver(ioc);
  std::vector<net::ip::tcp::endpoint> out;
  for (const auto& e : options.endpoints) out.push_back(*resolver.resolve(e.host, e.port).begin());
  return out;
}

// Runs one phase of `workload` on options.connections connections: for options.duration_s, or
// until the key space is written once (kLoad).
PhaseResult run_phase(const BenchOptions& options, Workload workload,
                      const std::vector<net::ip::tcp::endpoint>& addresses) {
  net::io_context ioc;
  coord::bench::RequestSource source(options, workload);
  coord::bench::RunControl control;
  std::vector<std::shared_ptr<coord::bench::LoadConnection>> connections;
  for (int i = 0; i < options.connections; ++i) {
    std::size_t e = static_cast<std::size_t>(i) % addresses.size();
    connections.push_back(std::make_shared<coord::bench::LoadConnection>(
        ioc, options.endpoints[e], addresses[e], source, control, options.in_flight));
  }
  auto start = BenchClock::now();
  for (auto& c : connections) c->start();
  std::vector<std::thread> threads;
  for (int i = 0; i < options.threads; ++i) threads.emplace_back([&ioc] { ioc.run(); });
  auto poll = std::chrono::milliseconds(2);
  if (workload == Workload::kLoad) {
    while (control.active.load() > 0) std::this_thread::sleep_for(poll);
  } else {
    std::this_thread::sleep_until(start + std::chrono::duration<double>(options.duration_s));
  }
  auto end = BenchClock::now();
  control.stopping.store(true);
  auto drain_deadline = end + kDrainLimit;
  while (control.active.load() > 0 && BenchClock::now() < drain_deadline) std::this_thread::sleep_for(poll);
  ioc.stop();
  for (auto& t : threads) t.join();
  PhaseResult result;
  result.seconds = std::chrono::duration<double>(end - start).count();
  for (auto& c : connections) result.recorder.merge(std::move(c->recorder()));
  return result;
}

void print_errors(const LatencyRecorder& recorder) {
  if (recorder.error_count() == 0) return;
  std::cerr << "coord-bench: THIS RUN HAD " << recorder.error_count() << " ERRORS:\n";
  for (const auto& [what, n] : recorder.errors()) std::cerr << "  " << n << " x " << what << "\n";
}

void print_load(const BenchOptions& o, const char* phase, PhaseResult& r) {
  LatencySummary s = r.recorder.summarize();
  double rps = r.seconds > 0 ? static_cast<double>(s.count) / r.seconds : 0;
  std::uint64_t errors = r.recorder.error_count();
  if (o.format == coord::bench::OutputFormat::kTsv) {
    std::printf("workload=%s\tphase=%s\tconnections=%d\tin_flight=%d\tthreads=%d\tseconds=%.3f\t"
                "requests=%llu\terrors=%llu\trps=%.1f\tp50_us=%.1f\tp90_us=%.1f\tp99_us=%.1f\tmax_us=%.1f\n",
                o.workload_name.c_str(), phase, o.connections, o.in_flight, o.threads, r.seconds,
                static_cast<unsigned long long>(s.count), static_cast<unsigned long long>(errors), rps,
                s.p50_us, s.p90_us, s.p99_us, s.max_us);
  } else {
    std::printf("%s (%s): %d connections x %d in flight, %d threads, %.2f s\n", o.workload_name.c_str(),
                phase, o.connections, o.in_flight, o.threads, r.seconds);
    std::printf("  %llu requests, %.0f req/s, errors %llu%s\n", static_cast<unsigned long long>(s.count),
                rps, static_cast<unsigned long long>(errors), errors ? "  <-- RUN HAD ERRORS" : "");
    std::printf("  latency us: p50 %.0f  p90 %.0f  p99 %.0f  max %.0f\n", s.p50_us, s.p90_us, s.p99_us,
                s.max_us);
  }
  std::fflush(stdout);
  print_errors(r.recorder);
}

int run_fanout(const BenchOptions& o, const std::vector<net::ip::tcp::endpoint>& addresses) {
  coord::bench::WatchFanout fanout(o, addresses);
  auto r = fanout.run();
  LatencySummary last = r.last_notified.summarize();
  LatencySummary all = r.all_notified.summarize();
  LatencySummary put = r.put_latency.summarize();
  std::uint64_t errors = r.last_notified.error_count();
  if (o.format == coord::bench::OutputFormat::kTsv) {
    std::printf("workload=watch-fanout\tphase=measure\twatchers=%d\trounds=%d\terrors=%llu\t"
                "last_p50_us=%.1f\tlast_max_us=%.1f\tall_p50_us=%.1f\tall_p99_us=%.1f\tput_p50_us=%.1f\t"
                "registered=%d\tconnect_s=%.2f\n",
                o.watchers, r.rounds_done, static_cast<unsigned long long>(errors), last.p50_us, last.max_us,
                all.p50_us, all.p99_us, put.p50_us, r.registration_seen ? 1 : 0, r.connect_s);
  } else {
    std::printf("watch-fanout: %d watchers on %s, %d of %d rounds, connect %.2f s%s\n", o.watchers,
                o.watch_dir ? "a dir (recursive)" : "one key", r.rounds_done, o.rounds, r.connect_s,
                r.registration_seen ? "" : " (stats never showed every watcher registered)");
    std::printf("  PUT -> last watcher notified, ms: p50 %.2f  max %.2f\n", last.p50_us / 1000, last.max_us / 1000);
    std::printf("  PUT -> each watcher notified, ms: p50 %.2f  p99 %.2f; PUT latency p50 %.2f ms\n",
                all.p50_us / 1000, all.p99_us / 1000, put.p50_us / 1000);
    std::printf("  errors %llu%s\n", static_cast<unsigned long long>(errors), errors ? "  <-- RUN HAD ERRORS" : "");
  }
  std::fflush(stdout);
  print_errors(r.last_notified);
  return errors ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto options = coord::bench::parse_options(argc, argv);
  if (!options) return 2;
  std::vector<net::ip::tcp::endpoint> addresses;
  try {
    addresses = resolve(*options);
  } catch (const std::exception& e) {
    std::cerr << "coord-bench: cannot resolve endpoints: " << e.what() << "\n";
    return 2;
  }
  if (options->workload == Workload::kWatchFanout) return run_fanout(*options, addresses);
  std::uint64_t errors = 0;
  if (options->prefill && options->workload != Workload::kLoad) {
    auto prefill = run_phase(*options, Workload::kLoad, addresses);
    print_load(*options, "prefill", prefill);
    errors += prefill.recorder.error_count();
  }
  auto measured = run_phase(*options, options->workload, addresses);
  print_load(*options, "measure", measured);
  errors += measured.recorder.error_count();
  return errors ? 1 : 0;
}
