// Every recipe with a user callback, and the Client and Watcher the recipes are built on, may be
// destroyed from inside that callback, against coordd and real etcd 3.4 (v2), one shared
// single-member server of each per test program. Each case makes the callback fire (a lease lost
// because its key was removed, an election won, a list, a configuration, a key or a task that
// changed, a call answered), destroys the callback's owner from inside it, and
// then touches the callback's own captures (a heap marker): a callable freed with its owner, a
// thread that joins itself, or a callback that runs again after the destruction fails the case
// or shows up under AddressSanitizer. Must hold: the callback finishes, the object is gone, what
// it held on the server is released, and no callback of it runs afterwards.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <future>
#include <memory>
#include <optional>
#include <stop_token>

#include "coord/coord.hpp"
#include "test/support/client/server_fixture.hpp"
#include "test/support/recipes/recipe_test_util.hpp"

using namespace coord;
using namespace coord::recipes;
using namespace std::chrono_literals;
using coord::test::eventually;
using coord::test::unique_name;

namespace {

Client make_client(const coord::test::ServerCluster& cluster) { return Client(coord::test::options_for(cluster)); }

// Set by a callback after it destroyed its owner, with the value of a marker it captured.
struct Done {
  std::promise<int> promise;
  std::future<int> future = promise.get_future();
  // True when the callback finished and still read its capture intact.
  bool wait() { return future.wait_for(10s) == std::future_status::ready && future.get() == 42; }
};

// Opens once the test stored the object, so a callback that fires at once (a snapshot) does
// not destroy it before it is fully built.
struct Gate {
  std::promise<void> promise;
  std::shared_future<void> opened = promise.get_future().share();
  void open() { promise.set_value(); }
};

std::shared_ptr<int> marker() { return std::make_shared<int>(42); }

// Whether `dir` lists no entry (missing counts as empty).
bool empty_dir(Client& client, const std::string& dir) {
  try {
    return client.get(dir, GetOptions{.recursive = true, .quorum = true}).node.nodes.empty();
  } catch (const Error& e) {
    return e.error_code() == errc::kKeyNotFound;
  }
}

// A bounded look for something that must not happen: `dir` stays empty for `d`.
bool stays_empty(Client& client, const std::string& dir, std::chrono::milliseconds d) {
  return !eventually([&] { return !empty_dir(client, dir); }, d, 50ms);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(recipes_destroyed_from_callbacks)

COORD_BOTH_SERVERS_CASE(distributed_lock__on_lost_may_destroy_the_lock, 1) {
  Client client = make_client(cluster);
  Done done;
  std::unique_ptr<DistributedLock> lock;
  lock = std::make_unique<DistributedLock>(client, unique_name("cb-lock"),
                                           LockOptions{.ttl = 2s, .on_lost = [&, m = marker()](const std::string&) {
                                                         lock.reset();
                                                         done.promise.set_value(*m);
                                                       }});
  lock->lock();
  std::string key = lock->key();
  client.remove(key);
  BOOST_REQUIRE(done.wait());
  BOOST_TEST(!lock);
}

COORD_BOTH_SERVERS_CASE(sequenced_lock__on_lost_may_destroy_the_lock, 1) {
  Client client = make_client(cluster);
  Done done;
  std::unique_ptr<SequencedLock> lock;
  lock = std::make_unique<SequencedLock>(client, unique_name("cb-qlock"),
                                         SequencedLockOptions{.ttl = 2s, .on_lost = [&, m = marker()](const std::string&) {
                                                                lock.reset();
                                                                done.promise.set_value(*m);
                                                              }});
  lock->lock();
  client.remove(lock->key());
  BOOST_REQUIRE(done.wait());
  BOOST_TEST(!lock);
}

COORD_BOTH_SERVERS_CASE(read_write_lock__on_lost_may_destroy_the_lock, 1) {
  Client client = make_client(cluster);
  Done done;
  std::unique_ptr<ReadWriteLock> rw;
  rw = std::make_unique<ReadWriteLock>(client, unique_name("cb-rw"),
                                       ReadWriteLockOptions{.ttl = 2s, .on_lost = [&, m = marker()](const std::string&) {
                                                              rw.reset();
                                                              done.promise.set_value(*m);
                                                            }});
  rw->write_lock().lock();
  client.remove(rw->write_lock().key());
  BOOST_REQUIRE(done.wait());
  BOOST_TEST(!rw);
}

COORD_BOTH_SERVERS_CASE(semaphore__on_lost_may_destroy_the_semaphore, 1) {
  Client client = make_client(cluster);
  Done done;
  std::string name = unique_name("cb-sem");
  std::unique_ptr<Semaphore> sem;
  sem = std::make_unique<Semaphore>(client, name, 2,
                                    SemaphoreOptions{.ttl = 2s, .on_lost = [&, m = marker()](const std::string&) {
                                                       sem.reset();
                                                       done.promise.set_value(*m);
                                                     }});
  sem->acquire();
  client.remove("/coord/semaphores/" + name, DeleteOptions{.dir = true, .recursive = true});
  BOOST_REQUIRE(done.wait());
  BOOST_TEST(!sem);
}

COORD_BOTH_SERVERS_CASE(leader_election__on_lost_may_destroy_the_election, 1) {
  Client client = make_client(cluster);
  Done done;
  std::unique_ptr<LeaderElection> election;
  ElectionOptions options{.ttl = 2s};
  options.on_lost = [&, m = marker()](const std::string&) {
    election.reset();
    done.promise.set_value(*m);
  };
  election = std::make_unique<LeaderElection>(client, unique_name("cb-elect"), options);
  election->campaign("a");
  std::string dir = election->directory();
  client.remove(dir, DeleteOptions{.dir = true, .recursive = true});
  BOOST_REQUIRE(done.wait());
  BOOST_TEST(!election);
}

// on_elected destroys the election on the election's own thread (which cannot join itself).
// Must hold besides: the leadership is given up (our entry removed) and on_revoked never runs.
COORD_BOTH_SERVERS_CASE(leader_election__on_elected_may_destroy_the_election, 1) {
  Client client = make_client(cluster);
  Done done;
  std::atomic<int> revoked{0};
  std::unique_ptr<LeaderElection> election;
  ElectionOptions options{.ttl = 2s};
  options.auto_requeue = true;
  options.on_elected = [&, m = marker()](std::uint64_t) {
    election.reset();
    done.promise.set_value(*m);
  };
  options.on_revoked = [&](const std::string&) { ++revoked; };
  election = std::make_unique<LeaderElection>(client, unique_name("cb-elected"), options);
  std::string dir = election->directory();
  election->start("a");
  BOOST_REQUIRE(done.wait());
  BOOST_TEST(!election);
  BOOST_TEST(eventually([&] { return empty_dir(client, dir); }, 5s));
  BOOST_TEST(stays_empty(client, dir, 500ms));  // no requeue after the destruction
  BOOST_TEST(revoked.load() == 0);
}

// on_revoked (after the leader's entry was removed) destroys the election. Must hold besides:
// with auto_requeue, it does not campaign again.
COORD_BOTH_SERVERS_CASE(leader_election__on_revoked_may_destroy_the_election, 1) {
  Client client = make_client(cluster);
  Done done;
  std::promise<void> elected;
  std::atomic<int> elections{0};
  std::unique_ptr<LeaderElection> election;
  ElectionOptions options{.ttl = 2s};
  options.auto_requeue = true;
  options.on_elected = [&](std::uint64_t) {
    if (elections++ == 0) elected.set_value();
  };
  options.on_revoked = [&, m = marker()](const std::string&) {
    election.reset();
    done.promise.set_value(*m);
  };
  election = std::make_unique<LeaderElection>(client, unique_name("cb-revoked"), options);
  std::string dir = election->directory();
  election->start("a");
  BOOST_REQUIRE(elected.get_future().wait_for(10s) == std::future_status::ready);
  client.remove(dir, DeleteOptions{.dir = true, .recursive = true});
  BOOST_REQUIRE(done.wait());
  BOOST_TEST(!election);
  BOOST_TEST(stays_empty(client, dir, 500ms));
  BOOST_TEST(elections.load() == 1);
}

COORD_BOTH_SERVERS_CASE(leader_observation__callback_may_destroy_the_observation, 1) {
  Client client = make_client(cluster);
  LeaderElection election(client, unique_name("cb-observe"), {.ttl = 2s});
  election.campaign("a");
  Done done;
  Gate gate;
  std::optional<LeaderObservation> observation;
  observation.emplace(election.observe([&, m = marker()](const std::optional<LeaderInfo>&) {
    gate.opened.wait();
    observation.reset();
    done.promise.set_value(*m);
  }));
  gate.open();
  BOOST_REQUIRE(done.wait());
  BOOST_TEST(!observation.has_value());
}

// on_lost destroys the registration. Must hold besides: with reregister, it does not register
// again afterwards.
COORD_BOTH_SERVERS_CASE(registration__on_lost_may_destroy_the_registration, 1) {
  Client client = make_client(cluster);
  ServiceRegistry registry(client, unique_name("cb-svc"), {.reregister = true});
  Done done;
  std::optional<Registration> reg;
  reg.emplace(registry.register_instance("x", "127.0.0.1:1", 2s, {}, [&, m = marker()](const std::string&) {
    reg.reset();
    done.promise.set_value(*m);
  }));
  client.remove(reg->key());
  BOOST_REQUIRE(done.wait());
  BOOST_TEST(!reg.has_value());
  BOOST_TEST(stays_empty(client, registry.directory(), 500ms));
}

// on_reregistered destroys the registration on the healer's own thread (which cannot join
// itself). Must hold besides: the re-registered key is removed (deregistered).
COORD_BOTH_SERVERS_CASE(registration__on_reregistered_may_destroy_the_registration, 1) {
  Client client = make_client(cluster);
  Done done;
  std::optional<Registration> reg;
  ServiceRegistry registry(client, unique_name("cb-heal"),
                           {.reregister = true, .on_reregistered = [&, m = marker()](const ServiceInstance&) {
                              reg.reset();
                              done.promise.set_value(*m);
                            }});
  reg.emplace(registry.register_instance("x", "127.0.0.1:1", 2s));
  client.remove(reg->key());
  BOOST_REQUIRE(done.wait());
  BOOST_TEST(!reg.has_value());
  BOOST_TEST(eventually([&] { return registry.instances().empty(); }, 5s));
}

COORD_BOTH_SERVERS_CASE(load_balancer_table__on_change_may_destroy_the_table, 1) {
  Client client = make_client(cluster);
  std::string service = unique_name("cb-table");
  ServiceRegistry registry(client, service);
  Registration reg = registry.register_instance("x", "127.0.0.1:1", 5s);
  Done done;
  Gate gate;
  std::unique_ptr<LoadBalancerTable> table;
  table = std::make_unique<LoadBalancerTable>(client, service,
                                              LoadBalancerOptions{.on_change = [&, m = marker()](const auto&) {
                                                gate.opened.wait();
                                                table.reset();
                                                done.promise.set_value(*m);
                                              }});
  gate.open();
  BOOST_REQUIRE(done.wait());
  BOOST_TEST(!table);
}

COORD_BOTH_SERVERS_CASE(task_progress__on_lost_may_destroy_the_task, 1) {
  Client client = make_client(cluster);
  Done done;
  std::unique_ptr<TaskProgress> task;
  task = std::make_unique<TaskProgress>(client, unique_name("cb-job"), "t",
                                        TaskProgressOptions{.ttl = 2s, .on_lost = [&, m = marker()](const std::string&) {
                                                              task.reset();
                                                              done.promise.set_value(*m);
                                                            }});
  client.remove(task->key());
  BOOST_REQUIRE(done.wait());
  BOOST_TEST(!task);
}

COORD_BOTH_SERVERS_CASE(task_monitor__callback_may_destroy_the_monitor, 1) {
  Client client = make_client(cluster);
  std::string job = unique_name("cb-monitor");
  TaskProgress a(client, job, "a", {.ttl = 5s});
  TaskProgress b(client, job, "b", {.ttl = 5s});  // the snapshot reports two tasks: one call destroys
  Done done;
  Gate gate;
  std::atomic<int> calls{0};
  std::unique_ptr<TaskMonitor> monitor;
  monitor = std::make_unique<TaskMonitor>(client, job, [&, m = marker()](const TaskStatus&) {
    gate.opened.wait();
    ++calls;
    monitor.reset();
    done.promise.set_value(*m);
  });
  gate.open();
  BOOST_REQUIRE(done.wait());
  BOOST_TEST(!monitor);
  BOOST_TEST(calls.load() == 1);
}

// Two changes are published at once; the first one's callback destroys the watcher. Must hold
// besides: the second change is never delivered. The initial snapshot is left alone: destroying
// the watcher there would race with this thread's wait_ready() on it.
COORD_BOTH_SERVERS_CASE(config_watcher__callback_may_destroy_the_watcher, 1) {
  Client client = make_client(cluster);
  std::string dir = "/cb-config/" + unique_name("cfg");
  Done done;
  std::atomic<int> calls{0};
  std::unique_ptr<ConfigWatcher> watcher;
  watcher = std::make_unique<ConfigWatcher>(client, dir, [&, m = marker()](const ConfigChange& change, const auto&) {
    if (change.kind == ConfigChange::Kind::kSnapshot) return;
    if (calls++ > 0) return;
    watcher.reset();
    done.promise.set_value(*m);
  });
  BOOST_REQUIRE(watcher->wait_ready(5s));
  ConfigWatcher::publish(client, dir, "a", "1");
  ConfigWatcher::publish(client, dir, "b", "2");
  BOOST_REQUIRE(done.wait());
  BOOST_TEST(!watcher);
  BOOST_TEST(calls.load() == 1);
}

// The Watcher under every recipe that watches: its first event (the key's current value)
// destroys it.
COORD_BOTH_SERVERS_CASE(watcher__callback_may_destroy_the_watcher, 1) {
  Client client = make_client(cluster);
  std::string key = "/cb-watch/" + unique_name("k");
  client.set(key, "0");
  Done done;
  Gate gate;
  std::atomic<int> calls{0};
  std::unique_ptr<Watcher> watcher;
  watcher = std::make_unique<Watcher>(client, key, [&, m = marker()](const WatchEvent&) {
    gate.opened.wait();
    if (calls++ > 0) return;
    watcher.reset();
    done.promise.set_value(*m);
  });
  gate.open();
  BOOST_REQUIRE(done.wait());
  BOOST_TEST(!watcher);
  BOOST_TEST(calls.load() == 1);
}

// The Client is destroyed by the handler of its own asynchronous call (a request object that
// drops its client in its last callback), on one of the client's own threads.
COORD_BOTH_SERVERS_CASE(client__handler_may_destroy_the_client, 1) {
  auto client = std::make_shared<std::unique_ptr<Client>>(std::make_unique<Client>(coord::test::options_for(cluster)));
  Done done;
  (*client)->async_get("/", {}, [client, &done, m = marker()](std::exception_ptr e, Response) {
    client->reset();  // ~Client inside its own completion handler
    done.promise.set_value(e ? -1 : *m);
  });
  BOOST_REQUIRE(done.wait());
  BOOST_TEST(!*client);
}

// A WorkItem has no callback of its own: its stop_token is the way to hear of a lost claim. A
// stop callback destroys the item while the loss is being reported.
COORD_BOTH_SERVERS_CASE(work_item__stop_callback_may_destroy_the_item, 1) {
  Client client = make_client(cluster);
  WorkQueue queue(client, unique_name("cb-wq"), {.ttl = 2s});
  queue.push("job");
  std::optional<WorkItem> item = queue.claim(5s);
  BOOST_REQUIRE(item.has_value());
  Done done;
  auto on_stop = [&, m = marker()] {
    item.reset();
    done.promise.set_value(*m);
  };
  std::stop_callback<decltype(on_stop)> on_lost(item->stop_token(), on_stop);
  client.remove(queue.directory() + "/claims/" + item->id());
  BOOST_REQUIRE(done.wait());
  BOOST_TEST(!item.has_value());
  BOOST_TEST(queue.size() == 1u);  // released, not acknowledged: the item is still queued
}

BOOST_AUTO_TEST_SUITE_END()
