// Umbrella header of the coord SDK: everything a program needs to talk to coordd or etcd v2.
#pragma once

#include "coord/client.hpp"
#include "coord/endpoint_url.hpp"
#include "coord/error.hpp"
#include "coord/options.hpp"
#include "coord/transport.hpp"
#include "coord/types.hpp"
#include "coord/watcher.hpp"

// ---- recipes (coord::recipes): their own umbrella, <coord/recipes.hpp> under recipes/include,
// is pulled in here once it exists. Add recipe headers there, not here.
#if __has_include(<coord/recipes.hpp>)
#include <coord/recipes.hpp>
#endif
