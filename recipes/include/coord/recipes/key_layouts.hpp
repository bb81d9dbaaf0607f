// Where and how every recipe keeps its keys in the v2 key space: the one description of the
// recipes' layouts, and their default prefixes (each recipe's options take these as defaults and
// accept another prefix). Anything that reads the recipes' keys without the SDK — coordd's
// dashboard (server/ui/assets/app.js), an operator with curl — follows this block. Constants
// only; safe everywhere.
//
// Notation: <prefix> is the recipe's prefix option (default below), <name> the object's name;
// "in-order" keys are created by POST (create_in_order), so their names sort by createdIndex;
// TTL'd keys are kept alive by the shared Refresher (refresher.hpp) with owner-checked refreshes
// (prevValue = the owner's value), so an owner that dies disappears after its TTL. An "owner
// token" is make_owner_token()'s "<host>-<pid>-<16 hex>" (owner_token.hpp).
//
//   ServiceRegistry (service_registry.hpp), LoadBalancerTable reads the same keys:
//     <prefix>/<service>/<id>      TTL'd; JSON {"id","endpoint","metadata":{...,"weight":N},"token"};
//                                  createdIndex = the instance's incarnation; weight defaults to 1
//   DistributedLock (distributed_lock.hpp):
//     <prefix>/<name>              TTL'd, created only if absent; value = the holder's owner token;
//                                  createdIndex = the fencing token. Waiters keep no keys.
//   SequencedLock (sequenced_lock.hpp):
//     <prefix>/<name>/<in-order>   TTL'd; value = the owner token; the oldest entry holds the lock,
//                                  the others wait in createdIndex order (= their fencing tokens)
//   ReadWriteLock (read_write_lock.hpp):
//     <prefix>/<name>/<in-order>   TTL'd; value = "read:" or "write:" + owner token; a writer holds
//                                  when first, a reader when no writer entry precedes it
//   Semaphore (semaphore.hpp):
//     <prefix>/<name>/<in-order>   TTL'd; value = the owner token; the first `permits` entries
//                                  hold (the permit count is not stored: every user passes it)
//   LeaderElection (leader_election.hpp):
//     <prefix>/<name>/<in-order>   TTL'd; JSON {"owner": owner token, "value": the candidate's
//                                  value}; the oldest entry leads, its createdIndex is the term;
//                                  the others are candidates in order
//   TaskProgress, TaskMonitor (task_progress.hpp):
//     <prefix>/<job>/<task>        TTL'd while running; JSON {"state": "running" | "succeeded" |
//                                  "failed", "fraction": 0..1, "message", "worker", "seq": report
//                                  number, "token"}; a terminal record keeps no TTL (or `retention`)
//   WorkQueue (work_queue.hpp):
//     <prefix>/<name>/items/<in-order>    value = the payload; the depth is the number of items
//     <prefix>/<name>/claims/<item name>  TTL'd, created only if absent; value = the consumer's
//                                         token; createdIndex = the claim's fencing token
//   Barrier (barrier.hpp), DoubleBarrier (double_barrier.hpp):
//     <prefix>/<name>/entries/<in-order>  TTL'd; one per participant, a value unique to it
//     <prefix>/<name>/ready               created once (create-only) when `count` have arrived
//   ConfigWatcher (config_watcher.hpp): any directory the caller names; no prefix of its own.
#pragma once

namespace coord::recipes {

inline constexpr const char* kServicesPrefix = "/coord/services";
inline constexpr const char* kLocksPrefix = "/coord/locks";
inline constexpr const char* kSequencedLocksPrefix = "/coord/qlocks";
inline constexpr const char* kReadWriteLocksPrefix = "/coord/rwlocks";
inline constexpr const char* kSemaphoresPrefix = "/coord/semaphores";
inline constexpr const char* kElectionsPrefix = "/coord/elections";
inline constexpr const char* kJobsPrefix = "/coord/jobs";
inline constexpr const char* kWorkQueuesPrefix = "/coord/workqueues";
inline constexpr const char* kBarriersPrefix = "/coord/barriers";
inline constexpr const char* kDoubleBarriersPrefix = "/coord/double-barriers";

}  // namespace coord::recipes
