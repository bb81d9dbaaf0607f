// A v2 key tree as a flat list of entries, and the two things done with such a list: reading
// and writing it as JSON lines (coordctl dump/load), and writing it into a server with many
// requests in flight (load, mirror's copies).
//
// JSON line (one object per node, parents before their children):
//   {"key":"/app/a","value":"v"}  {"key":"/app","dir":true}  ... ,"ttl":N   (N: seconds left)
//
// Thread-safety: plain functions; write_tree() blocks its caller and uses the client's threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "coord/client.hpp"
#include "coord/types.hpp"
#include "examples/coordctl/progress.hpp"

namespace coord::examples {

struct TreeEntry {
  std::string key;
  bool dir = false;
  std::string value;                 // files only
  std::optional<std::int64_t> ttl;   // seconds left when read
};

// Appends `node` (when `include_self`) and everything below it, parents first, to `out`.
void flatten(const Node& node, bool include_self, std::vector<TreeEntry>& out);

std::string to_json_line(const TreeEntry& e);
// Parses one line; throws std::invalid_argument naming `line_number` and what is wrong.
TreeEntry parse_json_line(const std::string& line, std::size_t line_number);

enum class WriteMode {
  kCreate,     // every key must be new: an existing key stops the write with etcd's 105
  kOverwrite,  // files are replaced; an existing directory keeps its children and takes the TTL
};

// Writes `entries` into `client`'s server, keeping directories (as directories) and TTLs (the
// seconds left; at least 1). Directories are made before anything below them: entries go out
// depth by depth, each depth with up to `in_flight` requests at once. `progress` (may be null)
// counts written entries. Throws the first error (coord::Error, coord::TransportError); requests
// already in flight are awaited first.
void write_tree(Client& client, const std::vector<TreeEntry>& entries, WriteMode mode, Progress* progress,
                std::size_t in_flight = 64);

}  // namespace coord::examples
