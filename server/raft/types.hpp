// The Raft log's value types, shared by the Raft core, the WAL and the snapshotter.
// Plain values; safe to copy between threads. Field names follow the Raft paper.
//
// Owned by server/raft. The WAL persists exactly these fields; changing one means a new WAL
// format version (server/wal/wal_format.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "server/common/shared_bytes.hpp"

namespace coord::raft {

using NodeId = std::uint64_t;  // member id; 0 means "none"
constexpr NodeId kNoNode = 0;

enum class EntryType : std::uint8_t {
  kNormal = 0,      // data is an application command (server/apply request), or empty (leader no-op)
  kConfChange = 1,  // data is an encoded ConfChange
};

struct Entry {
  std::uint64_t term = 0;
  std::uint64_t index = 0;
  EntryType type = EntryType::kNormal;
  // Shared, not copied, by every holder of the entry (unstable log, Ready, in-memory log,
  // messages): copying an Entry costs a reference count, whatever its size.
  SharedBytes data;

  friend bool operator==(const Entry&, const Entry&) = default;
};

// The state a member must persist before it answers any message (Raft paper, Figure 2).
struct HardState {
  std::uint64_t term = 0;
  NodeId vote = kNoNode;
  std::uint64_t commit = 0;

  bool empty() const { return term == 0 && vote == kNoNode && commit == 0; }
  friend bool operator==(const HardState&, const HardState&) = default;
};

// The voting members in force.
struct ConfState {
  std::vector<NodeId> voters;  // sorted ascending, no duplicates

  friend bool operator==(const ConfState&, const ConfState&) = default;
};

enum class ConfChangeType : std::uint8_t { kAddNode = 0, kRemoveNode = 1, kUpdateNode = 2 };

// A single-server membership change. `context` carries application data (e.g. the member's
// peer URLs as JSON) and is opaque to Raft.
struct ConfChange {
  ConfChangeType type = ConfChangeType::kAddNode;
  NodeId node_id = kNoNode;
  std::string context;

  friend bool operator==(const ConfChange&, const ConfChange&) = default;
};

struct SnapshotMetadata {
  std::uint64_t index = 0;  // last log index the snapshot covers
  std::uint64_t term = 0;   // term of that entry
  ConfState conf_state;

  friend bool operator==(const SnapshotMetadata&, const SnapshotMetadata&) = default;
};

struct Snapshot {
  SnapshotMetadata metadata;
  std::string data;  // the application's state (server/store's saved tree)

  bool empty() const { return metadata.index == 0; }
  friend bool operator==(const Snapshot&, const Snapshot&) = default;
};

}  // namespace coord::raft
