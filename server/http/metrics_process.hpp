// ProcessFigures: what the Prometheus Go client's process collector and etcd's os_fd_* gauges
// report about the running process, read from Linux's /proc/self and getrlimit at the moment of
// a scrape (nothing is kept between scrapes). Free functions; safe for concurrent use.
#pragma once

#include <optional>

#include "server/http/metrics_text.hpp"

namespace coord::http {

struct ProcessFigures {
  double cpu_seconds = 0;            // user + system time
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double virtual_max_bytes = 0;      // RLIMIT_AS (2^64 - 1 when unlimited, as Go prints it)
  double start_time_seconds = 0;     // since the Unix epoch
  double open_fds = 0;
  double max_fds = 0;                // RLIMIT_NOFILE, soft
};

// Reads this process' figures; nullopt when /proc is not there to read (the families are then
// left out, as the Go collector leaves them out when it cannot read them).
std::optional<ProcessFigures> read_process_figures();

// Appends os_fd_limit, os_fd_used (etcd's) and the process_* families, in name order.
void append_os_fd_metrics(MetricsText& page, const ProcessFigures& p);
void append_process_metrics(MetricsText& page, const ProcessFigures& p);

}  // namespace coord::http
