// The linearizability checker (test/support/history/) on hand-made histories whose answer is
// known, on random legal histories built from a known linearization, and on the same histories
// with one read made impossible.
#include "test/support/history/linearizability.hpp"
#include "test/support/history/v2_key_model.hpp"

#include <boost/test/unit_test.hpp>

#include <random>

namespace h = coord::test::history;
using M = h::V2KeyModel;
using Op = h::Operation<M>;
using Kind = M::Kind;

namespace {

h::Clock::time_point at(int ms) { return h::Clock::time_point{} + std::chrono::milliseconds(ms); }

Op op(int client, int call, int ret, M::Input in, M::Output out) {
  Op o;
  o.client = client;
  o.call = at(call);
  o.ret = at(ret);
  o.input = std::move(in);
  o.output = std::move(out);
  return o;
}
Op unknown(int client, int call, M::Input in) {
  Op o;
  o.client = client;
  o.call = at(call);
  o.indeterminate = true;
  o.input = std::move(in);
  return o;
}
M::Input set(std::string v, std::string key = "k") { return {Kind::set, std::move(key), std::move(v), ""}; }
M::Input cas(std::string from, std::string to, std::string key = "k") {
  return {Kind::cas, std::move(key), std::move(to), std::move(from)};
}
M::Input get(std::string key = "k") { return {Kind::get, std::move(key), "", ""}; }
M::Output ok() { return M::success(); }
M::Output read(std::string v) { return M::success(std::move(v)); }
M::Output missing() { return M::failure(100); }

bool linearizable(const std::vector<Op>& history) { return h::check<M>(history).linearizable; }

// "v3.7": a value unique to one write.
std::string value_name(char prefix, unsigned client, int i) {
  std::string s(1, prefix);
  s += std::to_string(client);
  s += '.';
  s += std::to_string(i);
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(linearizability)

BOOST_AUTO_TEST_CASE(sequential_history_that_matches_the_model_is_linearizable) {
  BOOST_TEST(linearizable({op(1, 0, 1, get(), missing()), op(1, 2, 3, set("a"), ok()),
                           op(2, 4, 5, get(), read("a")), op(2, 6, 7, cas("a", "b"), ok()),
                           op(1, 8, 9, get(), read("b"))}));
}

BOOST_AUTO_TEST_CASE(a_read_after_a_completed_write_must_see_it) {
  // The write returned at 1, the read started at 2: it cannot miss the write.
  BOOST_TEST(!linearizable({op(1, 0, 1, set("a"), ok()), op(2, 2, 3, get(), missing())}));
}

BOOST_AUTO_TEST_CASE(a_read_concurrent_with_a_write_may_see_either_value) {
  BOOST_TEST(linearizable({op(1, 0, 1, set("a"), ok()), op(1, 2, 10, set("b"), ok()), op(2, 3, 4, get(), read("a"))}));
  BOOST_TEST(linearizable({op(1, 0, 1, set("a"), ok()), op(1, 2, 10, set("b"), ok()), op(2, 3, 4, get(), read("b"))}));
}

BOOST_AUTO_TEST_CASE(reads_cannot_go_back_in_time) {
  // Once one read saw b (after b's write completed), a later read may not see a again.
  BOOST_TEST(!linearizable({op(1, 0, 1, set("a"), ok()), op(1, 2, 3, set("b"), ok()), op(2, 4, 5, get(), read("b")),
                            op(3, 6, 7, get(), read("a"))}));
  // With b's write still running, a read of b then a read of a is impossible too: b, once
  // visible, stays (no other write follows).
  BOOST_TEST(!linearizable({op(1, 0, 1, set("a"), ok()), op(1, 2, 20, set("b"), ok()), op(2, 4, 5, get(), read("b")),
                            op(3, 6, 7, get(), read("a"))}));
}

BOOST_AUTO_TEST_CASE(two_compare_and_swaps_from_the_same_value_cannot_both_succeed) {
  BOOST_TEST(!linearizable({op(1, 0, 1, set("a"), ok()), op(1, 2, 5, cas("a", "b"), ok()),
                            op(2, 2, 5, cas("a", "c"), ok())}));
  BOOST_TEST(linearizable({op(1, 0, 1, set("a"), ok()), op(1, 2, 5, cas("a", "b"), ok()),
                           op(2, 2, 5, cas("a", "c"), M::failure(101))}));
}

BOOST_AUTO_TEST_CASE(an_indeterminate_write_may_take_effect_late_or_never) {
  // Seen later, long after its client gave up: it took effect late.
  BOOST_TEST(linearizable({unknown(1, 0, set("a")), op(2, 50, 51, get(), read("a"))}));
  // Never seen: it never took effect.
  BOOST_TEST(linearizable({unknown(1, 0, set("a")), op(2, 50, 51, get(), missing())}));
  // But not before it was sent.
  BOOST_TEST(!linearizable({op(2, 0, 1, get(), read("a")), unknown(1, 5, set("a"))}));
  // And once it was seen, not undone: a read of nothing after a read of a is impossible.
  BOOST_TEST(!linearizable({unknown(1, 0, set("a")), op(2, 50, 51, get(), read("a")), op(2, 52, 53, get(), missing())}));
}

BOOST_AUTO_TEST_CASE(a_read_of_a_value_never_written_is_not_linearizable) {
  BOOST_TEST(!linearizable({op(1, 0, 1, set("a"), ok()), op(2, 0, 2, get(), read("z"))}));
}

BOOST_AUTO_TEST_CASE(keys_are_checked_apart_and_a_failure_names_its_key) {
  auto r = h::check<M>({op(1, 0, 1, set("a", "x"), ok()), op(2, 2, 3, get("x"), read("a")),
                        op(1, 0, 1, set("a", "y"), ok()), op(2, 2, 3, get("y"), missing())});
  BOOST_TEST(!r.linearizable);
  BOOST_TEST(r.partition == "y");
}

// Random histories: clients run operations with overlapping intervals; each operation takes
// effect at a random instant inside its interval, in instant order, on a real sequential key
// (so the history is linearizable by construction). Then one read is changed to a value never
// written, which no order can explain.
BOOST_AUTO_TEST_CASE(random_legal_histories_pass_and_a_forged_read_fails) {
  for (unsigned seed = 1; seed <= 30; ++seed) {
    std::mt19937 rng(seed);
    const int clients = 5, per_client = 40;
    struct Planned {
      Op op;
      int effect;
    };
    std::vector<Planned> planned;
    for (int c = 0; c < clients; ++c) {
      int t = static_cast<int>(rng() % 10);
      for (int i = 0; i < per_client; ++i) {
        int call = t, ret = t + 1 + static_cast<int>(rng() % 30);
        int effect = call + static_cast<int>(rng() % (ret - call + 1));
        M::Input in;
        switch (rng() % 3) {
          case 0: in = set(value_name('v', c, i)); break;
          case 1: in = cas(value_name('v', rng() % clients, i > 0 ? i - 1 : 0), value_name('w', c, i)); break;
          default: in = get(); break;
        }
        Op o;
        o.client = c;
        o.call = at(call);
        o.ret = at(ret);
        o.input = in;
        // A few writes lose their answer.
        o.indeterminate = in.kind != Kind::get && rng() % 10 == 0;
        planned.push_back({o, effect * 8 + c});  // distinct instants
        t = ret + 1 + static_cast<int>(rng() % 5);
      }
    }
    std::vector<std::size_t> order(planned.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return planned[a].effect < planned[b].effect; });
    M::State state = M::initial();
    for (auto i : order) {
      auto& p = planned[i];
      // An indeterminate write takes effect half the time.
      if (p.op.indeterminate && rng() % 2 == 0) continue;
      auto [out, next] = M::apply(state, p.op.input);
      p.op.output = out;
      state = next;
    }
    std::vector<Op> history;
    for (auto& p : planned) history.push_back(p.op);
    auto r = h::check<M>(history);
    BOOST_TEST(r.linearizable, "seed " << seed);

    for (auto& o : history) {
      if (o.input.kind == Kind::get) {
        o.output = read("never-written");
        break;
      }
    }
    BOOST_TEST(!h::check<M>(history).linearizable, "seed " << seed);
  }
}

BOOST_AUTO_TEST_SUITE_END()
