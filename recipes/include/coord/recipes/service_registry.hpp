// coord::recipes::ServiceRegistry and Registration — service discovery with TTL heartbeats
// (recipes.md §4.1). Each instance is one TTL'd key <prefix>/<service>/<id> whose value is a JSON
// document {"id","endpoint","metadata","token"}; the unique token makes the shared Refresher's
// owner-checked refresh (prevValue) safe. A Registration is RAII: its destructor deregisters
// (owner-checked delete, bounded); a process killed with SIGKILL disappears after its TTL.
// alive() follows the lease rule of lease.hpp: a partitioned or paused instance stops believing
// it is registered before its key can expire on the server (and another instance take its id).
// A metadata change never makes a live registration look lost (see recipes/src/owned_value.hpp).
// With RegistryOptions::reregister a lost registration heals itself in the background.
//
// Thread-safety: ServiceRegistry is safe for concurrent use. A Registration belongs to one owner
// thread; alive(), stop_token() and incarnation() may be called from any thread. Move-only. The Client must outlive both.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "coord/client.hpp"
#include "coord/recipes/key_layouts.hpp"

namespace coord::recipes {

struct ServiceInstance {
  std::string id, endpoint;
  boost::json::object metadata;
  std::uint64_t created_index = 0;   // incarnation: changes when the instance re-registers
  std::uint64_t modified_index = 0;
  // metadata["weight"] when it is a positive number, else 1.
  std::uint32_t weight() const;
  // Parses a registration key's node; nullopt for anything that is not one.
  static std::optional<ServiceInstance> from_node(const Node& node);
};

struct RegistryOptions {
  std::string prefix = kServicesPrefix;  // instances live under prefix/service/
  // register_instance() of an id whose key exists (a restarted instance whose dead predecessor's
  // key has not expired yet) removes that key and registers anew (a new incarnation) instead of
  // failing with 105. A predecessor that is in fact alive learns at its next heartbeat that its
  // key is gone or not its own.
  bool replace_existing = false;
  // After a loss by expiry, deletion or the local deadline (not when another instance took the
  // id over), register again in the background, with backoff, until it works or deregister();
  // on_reregistered then runs on that background thread with the new incarnation. It may
  // deregister or destroy the Registration (the thread then ends when it returns).
  bool reregister = false;
  std::function<void(const ServiceInstance&)> on_reregistered;
};

class Registration {
 public:
  struct State;
  Registration() = default;
  explicit Registration(std::shared_ptr<State> state);
  ~Registration();
  Registration(Registration&&) noexcept;
  Registration& operator=(Registration&&) noexcept;

  // True while registered and before the lease deadline (see lease.hpp); false once lost (TTL
  // expired, removed by someone else, or the local deadline passed without a successful
  // heartbeat) and after deregister().
  bool alive() const;
  // Requested when the registration's current lease is lost (after a re-registration, ask again).
  std::stop_token stop_token() const;
  // The key's createdIndex: a fencing token for this incarnation of the instance (0 while lost).
  std::uint64_t incarnation() const;
  // Replaces the metadata (a compare-and-swap that watchers see). Throws RecipeError::kLost when
  // the key is no longer ours, client errors otherwise.
  void update_metadata(boost::json::object metadata);
  // Removes the key now (owner-checked, bounded). Never throws. The destructor calls it; either
  // may be called from inside on_lost or on_reregistered.
  void deregister() noexcept;
  const std::string& key() const;
  // The registered instance as last written (its incarnation changes on re-registration).
  ServiceInstance instance() const;

 private:
  // Shared with the loss callback's wrapper and the healer thread, which may outlive us when a
  // callback destroys the Registration.
  std::shared_ptr<State> s_;
};

class ServiceRegistry {
 public:
  ServiceRegistry(Client& client, std::string service, RegistryOptions options = {});

  // Registers `id` (create-only: throws coord::Error 105 when the id is live already) with `ttl`
  // and starts its heartbeats. `on_lost` (optional) runs on the refresher's notification thread
  // if it is lost. A create whose outcome stays unknown is adopted when the key holds our value,
  // and otherwise removed (owner-checked) before the error is rethrown.
  Registration register_instance(std::string id, std::string endpoint, std::chrono::seconds ttl,
                                 boost::json::object metadata = {},
                                 std::function<void(const std::string&)> on_lost = nullptr);
  // The live instances, by id (quorum read).
  std::vector<ServiceInstance> instances();
  // The service's directory (prefix/service).
  const std::string& directory() const { return dir_; }

 private:
  Client& client_;
  std::string dir_;
  RegistryOptions options_;
};

}  // namespace coord::recipes
