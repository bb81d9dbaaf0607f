// MetricsText: writes a page in Prometheus' text exposition format (version 0.0.4), as the Go
// client's promhttp handler writes it: per family a "# HELP" and a "# TYPE" line, then its
// samples; label values escaped (backslash, double quote, newline); numbers as Go's
// strconv.FormatFloat(v, 'g', -1, 64) writes them ("+Inf", "NaN" included). A plain value
// that appends to a caller-owned string; not for concurrent use.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "server/common/duration_histogram.hpp"

namespace coord::http {

// The Content-Type of a text exposition page.
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// One label: name and (unescaped) value.
using MetricLabel = std::pair<std::string_view, std::string_view>;

class MetricsText {
 public:
  explicit MetricsText(std::string& out) : out_(out) {}

  // Starts a family: `type` is "counter", "gauge" or "histogram". `help` is escaped as the
  // format wants (backslash and newline).
  void family(std::string_view name, std::string_view help, std::string_view type);
  // One sample line of the family just started: `name{labels} value`.
  void sample(std::string_view name, std::initializer_list<MetricLabel> labels, double value);
  void sample(std::string_view name, double value) { sample(name, {}, value); }
  // A whole single-sample family.
  void single(std::string_view name, std::string_view help, std::string_view type, double value);
  // The samples of one histogram of the family just started: name_bucket{labels,le=...} for
  // each bound and +Inf, then name_sum and name_count, all with `labels` first.
  void histogram(std::string_view name, std::initializer_list<MetricLabel> labels, const HistogramSnapshot& h);

 private:
  void labels(std::initializer_list<MetricLabel> labels, std::string_view le);

  std::string& out_;
};

}  // namespace coord::http
