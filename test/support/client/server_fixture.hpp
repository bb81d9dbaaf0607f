// Shared helpers for the client integration tests (test/integration/client_*.cpp): one server of
// each kind started lazily per test process, Boost.Test preconditions that skip (not pass) the
// tests whose server is unavailable, and a macro that registers one test body for both servers.
// Header-only so that it adds nothing to the unit-test executables.
//
// Thread-safety: use from the Boost.Test main thread only.
#pragma once

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "coord/client.hpp"
#include "test/support/process/server_cluster.hpp"

namespace coord::test {

// A running cluster of `size` members of `kind`, started on first use and kept for the rest of
// the test process; nullptr (with the reason in *why) when it cannot be started.
inline ServerCluster* shared_cluster(ServerKind kind, int size, std::string* why = nullptr) {
  struct Slot {
    std::unique_ptr<ServerCluster> cluster;
    std::string error;
    bool tried = false;
  };
  static std::map<std::pair<ServerKind, int>, Slot> slots;
  Slot& slot = slots[{kind, size}];
  if (!slot.tried) {
    slot.tried = true;
    std::string reason;
    if (!server_binary(kind, &reason)) {
      slot.error = reason;
    } else {
      try {
        auto c = std::make_unique<ServerCluster>(kind, size);
        if (c->start()) {
          slot.cluster = std::move(c);
        } else {
          slot.error = std::string(to_string(kind)) + " could not start " + std::to_string(size) +
                       " member(s): " + c->last_error().substr(0, 600);
        }
      } catch (const std::exception& e) {
        slot.error = e.what();
      }
    }
  }
  if (why) *why = slot.error;
  return slot.cluster.get();
}

// Precondition: the binary for `kind` exists (checked without starting anything).
struct ServerAvailable {
  ServerKind kind;
  boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
    std::string why;
    if (server_binary(kind, &why)) return true;
    boost::test_tools::assertion_result r(false);
    r.message() << "skipped: " << to_string(kind) << " unavailable: " << why;
    return r;
  }
};

// Precondition: a `size`-member cluster of `kind` can be started (a coordd that only supports a
// single member fails here and its multi-member tests show as skipped). Starts the cluster.
struct ClusterAvailable {
  ServerKind kind;
  int size;
  boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
    std::string why;
    if (shared_cluster(kind, size, &why)) return true;
    boost::test_tools::assertion_result r(false);
    r.message() << "skipped: " << why;
    return r;
  }
};

// A key prefix unique to the running test case, so tests can share one server.
inline std::string test_prefix() {
  static std::atomic<int> n{0};
  return "/t/" + boost::unit_test::framework::current_test_case().p_name.get() + "-" + std::to_string(++n);
}

inline ClientOptions options_for(const ServerCluster& cluster) {
  ClientOptions o;
  o.endpoints = cluster.client_urls();
  o.request_timeout = std::chrono::seconds(10);
  o.retry.seed = 42;
  o.io_threads = 2;  // exercise the strands: completions may run on either thread
  return o;
}

}  // namespace coord::test

// Registers NAME__etcd and NAME__coordd, each skipped by precondition when its server is missing;
// the body receives `coord::test::ServerCluster& cluster` (SIZE members, shared per process).
#define COORD_BOTH_SERVERS_CASE(NAME, SIZE)                                                           \
  static void NAME##_body(coord::test::ServerCluster& cluster);                                       \
  BOOST_AUTO_TEST_CASE(NAME##__etcd,                                                                  \
                       *boost::unit_test::precondition(coord::test::ServerAvailable{coord::test::ServerKind::kEtcd}) * \
                           boost::unit_test::precondition(coord::test::ClusterAvailable{coord::test::ServerKind::kEtcd, SIZE})) { \
    NAME##_body(*coord::test::shared_cluster(coord::test::ServerKind::kEtcd, SIZE));                   \
  }                                                                                                   \
  BOOST_AUTO_TEST_CASE(NAME##__coordd,                                                                \
                       *boost::unit_test::precondition(coord::test::ServerAvailable{coord::test::ServerKind::kCoordd}) * \
                           boost::unit_test::precondition(coord::test::ClusterAvailable{coord::test::ServerKind::kCoordd, SIZE})) { \
    NAME##_body(*coord::test::shared_cluster(coord::test::ServerKind::kCoordd, SIZE));                 \
  }                                                                                                   \
  static void NAME##_body(coord::test::ServerCluster& cluster)
