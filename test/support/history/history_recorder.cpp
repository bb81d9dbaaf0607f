#include "test/support/history/history_recorder.hpp"

#include <boost/json.hpp>

#include <cctype>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "test/support/process/eventually.hpp"
#include "test/support/process/http_probe.hpp"

namespace coord::test::history {

namespace {

using Model = V2KeyModel;
using Kind = Model::Kind;

std::string form_escape(const std::string& v) {
  std::string out;
  for (unsigned char c : v) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_') {
      out += static_cast<char>(c);
    } else {
      static const char* hex = "0123456789ABCDEF";
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// What the answer says, in the model's terms; nullopt when the answer does not settle the
// outcome (no answer, or a server error such as a proposal that timed out in raft).
std::optional<Model::Output> interpret(const Model::Input& in, const std::optional<HttpReply>& reply) {
  if (!reply) return std::nullopt;
  boost::system::error_code ec;
  auto json = boost::json::parse(reply->body, ec);
  if (ec || !json.is_object()) return std::nullopt;
  const auto& o = json.as_object();
  if (reply->status == 200 || reply->status == 201) {
    if (in.kind != Kind::get) return Model::success();
    const auto* node = o.if_contains("node");
    if (node == nullptr || !node->is_object() || !node->as_object().contains("value")) return std::nullopt;
    return Model::success(std::string(node->as_object().at("value").as_string()));
  }
  const auto* code = o.if_contains("errorCode");
  if (code == nullptr || !code->is_int64()) return std::nullopt;
  const int c = static_cast<int>(code->as_int64());
  if (c == 100 || c == 101 || c == 105) return Model::failure(c);
  return std::nullopt;  // 300 raft internal, 301 leader election, ...: outcome unknown
}

}  // namespace

V2Client::V2Client(int id, const ServerCluster& cluster, int home, std::chrono::milliseconds timeout)
    : id_(id), cluster_(cluster), home_(home), timeout_(timeout) {}

void V2Client::run(const std::vector<std::string>& keys, const std::atomic<bool>& stop, std::atomic<long>& answered) {
  std::mt19937 rng(static_cast<unsigned>(id_ * 7919 + 17));
  int seq = 0;
  while (!stop) {
    Model::Input in;
    in.key = keys[rng() % keys.size()];
    const auto roll = rng() % 10;
    in.kind = roll < 3 ? Kind::set : roll < 5 ? Kind::cas : roll < 6 ? Kind::create : roll < 7 ? Kind::remove : Kind::get;
    in.value = "c" + std::to_string(id_) + "-" + std::to_string(++seq);
    if (in.kind == Kind::cas) in.expected = last_read_[in.key];
    if (execute(in)) answered.fetch_add(1);
  }
}

bool V2Client::execute(const Model::Input& in) {
  for (int attempt = 0; attempt < cluster_.size(); ++attempt) {
    const int member = (home_ + attempt) % cluster_.size();
    std::string method = "GET", url = cluster_.client_url(member) + "/v2/keys/" + in.key, form;
    switch (in.kind) {
      case Kind::set: method = "PUT"; form = "value=" + form_escape(in.value); break;
      case Kind::cas:
        method = "PUT";
        form = "value=" + form_escape(in.value) + "&prevValue=" + form_escape(in.expected);
        break;
      case Kind::create: method = "PUT"; form = "value=" + form_escape(in.value) + "&prevExist=false"; break;
      case Kind::remove: method = "DELETE"; break;
      case Kind::get: url += "?quorum=true"; break;
    }
    V2Operation op;
    op.client = id_;
    op.input = in;
    op.call = Clock::now();
    bool sent = false;
    auto reply = http_request(method, url, form, timeout_, &sent);
    op.ret = Clock::now();
    if (!sent) continue;  // never reached a member: try the next one
    auto outcome = interpret(in, reply);
    if (outcome) {
      op.output = *outcome;
      if (in.kind == Kind::get && outcome->value) last_read_[in.key] = *outcome->value;
    } else {
      if (in.kind == Kind::get) return false;  // a read without an answer changed nothing
      op.indeterminate = true;
    }
    ops_.push_back(std::move(op));
    return outcome.has_value();
  }
  // No member accepted a connection (all down for a moment): back off instead of spinning.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return false;
}

HistoryRecorder::HistoryRecorder(const ServerCluster& cluster, int clients, std::vector<std::string> keys)
    : cluster_(cluster), keys_(std::move(keys)) {
  for (int i = 0; i < clients; ++i) clients_.push_back(std::make_unique<V2Client>(i, cluster, i % cluster.size()));
}

HistoryRecorder::~HistoryRecorder() { stop(); }

void HistoryRecorder::start() {
  stop_ = false;
  for (auto& c : clients_) threads_.emplace_back([this, raw = c.get()] { raw->run(keys_, stop_, answered_); });
}

bool HistoryRecorder::progress(const std::string& phase, long n, std::chrono::milliseconds timeout) {
  const long target = answered_.load() + n;
  if (eventually([&] { return answered_.load() >= target; }, timeout)) return true;
  if (stalled_.empty()) stalled_ = phase;
  return false;
}

bool HistoryRecorder::hold(const std::string& phase, std::chrono::milliseconds at_least, long n) {
  const auto until = Clock::now() + at_least;
  if (!progress(phase, n)) return false;
  while (Clock::now() < until) std::this_thread::sleep_until(until);
  return true;
}

void HistoryRecorder::stop() {
  stop_ = true;
  for (auto& t : threads_) t.join();
  threads_.clear();
}

std::string HistoryRecorder::final_reads(const std::vector<int>& members) {
  stop();
  std::string missing;
  for (int m : members) {
    V2Client reader(100 + m, cluster_, m);
    for (const auto& key : keys_) {
      Model::Input in;
      in.kind = Kind::get;
      in.key = key;
      if (!reader.execute(in)) missing += "member " + std::to_string(m) + " gave no quorum get of " + key + "; ";
    }
    final_reads_.insert(final_reads_.end(), reader.ops().begin(), reader.ops().end());
  }
  return missing;
}

Verdict HistoryRecorder::check() const {
  std::vector<V2Operation> all;
  Verdict v;
  for (const auto& c : clients_) {
    for (const auto& op : c->ops()) {
      all.push_back(op);
      v.indeterminate += op.indeterminate ? 1 : 0;
    }
  }
  all.insert(all.end(), final_reads_.begin(), final_reads_.end());
  const auto result = history::check<Model>(all);
  v.linearizable = result.linearizable;
  v.operations = all.size();
  v.states_explored = result.states_explored;
  if (!result.linearizable) {
    std::ostringstream out;
    out << "not linearizable on key " << result.partition << "; longest explained prefix (" << result.longest_order.size()
        << " ops) ends with:";
    const std::size_t from = result.longest_order.size() > 8 ? result.longest_order.size() - 8 : 0;
    for (std::size_t i = from; i < result.longest_order.size(); ++i) {
      const auto& o = all[result.longest_order[i]];
      out << "\n  client " << o.client << " kind " << static_cast<int>(o.input.kind) << " value " << o.input.value
          << (o.indeterminate ? " (indeterminate)"
              : o.output.ok   ? " ok"
                              : " error " + std::to_string(o.output.error_code));
    }
    v.explanation = out.str();
  }
  return v;
}

std::string stall_report(const HistoryRecorder& recorder, const ServerCluster& cluster) {
  std::ostringstream out;
  out << "the cluster stopped making progress in phase \""
      << (recorder.stalled_phase().empty() ? std::string("?") : recorder.stalled_phase()) << "\" ("
      << recorder.answered() << " answers in all)";
  for (int i = 0; i < cluster.size(); ++i) out << "\n--- member " << i << " log tail:\n" << cluster.log_tail(i);
  return out.str();
}

}  // namespace coord::test::history
