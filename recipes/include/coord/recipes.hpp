// Umbrella header of the coord recipes (coord::recipes): RAII coordination objects built only on
// the public client API. Included by <coord/coord.hpp> when present.
#pragma once

#include "coord/recipes/barrier.hpp"
#include "coord/recipes/config_watcher.hpp"
#include "coord/recipes/distributed_lock.hpp"
#include "coord/recipes/double_barrier.hpp"
#include "coord/recipes/key_layouts.hpp"
#include "coord/recipes/leader_election.hpp"
#include "coord/recipes/lease.hpp"
#include "coord/recipes/load_balancer_table.hpp"
#include "coord/recipes/owner_token.hpp"
#include "coord/recipes/read_write_lock.hpp"
#include "coord/recipes/recipe_error.hpp"
#include "coord/recipes/refresher.hpp"
#include "coord/recipes/semaphore.hpp"
#include "coord/recipes/sequenced_lock.hpp"
#include "coord/recipes/service_registry.hpp"
#include "coord/recipes/task_progress.hpp"
#include "coord/recipes/work_queue.hpp"
