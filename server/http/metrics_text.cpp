#include "server/http/metrics_text.hpp"

#include "server/http/json_writer.hpp"

namespace coord::http {
namespace {

// HELP text escapes backslash and newline; label values also the double quote.
void append_escaped(std::string& out, std::string_view s, bool quote) {
  for (char c : s) {
    if (c == '\\') out.append("\\\\");
    else if (c == '\n') out.append("\\n");
    else if (quote && c == '"') out.append("\\\"");
    else out.push_back(c);
  }
}

}  // namespace

void MetricsText::family(std::string_view name, std::string_view help, std::string_view type) {
  out_.append("# HELP ").append(name).push_back(' ');
  append_escaped(out_, help, false);
  out_.append("\n# TYPE ").append(name).append(" ").append(type).push_back('\n');
}

void MetricsText::labels(std::initializer_list<MetricLabel> labels, std::string_view le) {
  if (labels.size() == 0 && le.empty()) return;
  out_.push_back('{');
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out_.push_back(',');
    first = false;
    out_.append(name).append("=\"");
    append_escaped(out_, value, true);
    out_.push_back('"');
  }
  if (!le.empty()) {
    if (!first) out_.push_back(',');
    out_.append("le=\"").append(le).push_back('"');
  }
  out_.push_back('}');
}

void MetricsText::sample(std::string_view name, std::initializer_list<MetricLabel> labels, double value) {
  out_.append(name);
  this->labels(labels, {});
  out_.push_back(' ');
  append_go_float_g(out_, value);
  out_.push_back('\n');
}

void MetricsText::single(std::string_view name, std::string_view help, std::string_view type, double value) {
  family(name, help, type);
  sample(name, value);
}

void MetricsText::histogram(std::string_view name, std::initializer_list<MetricLabel> labels,
                            const HistogramSnapshot& h) {
  std::string bound;
  for (std::size_t i = 0; i <= h.upper_bounds.size(); ++i) {
    bound.clear();
    if (i < h.upper_bounds.size()) append_go_float_g(bound, h.upper_bounds[i]);
    else bound = "+Inf";
    out_.append(name).append("_bucket");
    this->labels(labels, bound);
    out_.push_back(' ');
    append_go_float_g(out_, static_cast<double>(i < h.upper_bounds.size() ? h.cumulative[i] : h.count));
    out_.push_back('\n');
  }
  out_.append(name).append("_sum");
  this->labels(labels, {});
  out_.push_back(' ');
  append_go_float_g(out_, h.sum_seconds);
  out_.append("\n").append(name).append("_count");
  this->labels(labels, {});
  out_.push_back(' ');
  append_go_float_g(out_, static_cast<double>(h.count));
  out_.push_back('\n');
}

}  // namespace coord::http
