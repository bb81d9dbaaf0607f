// Stream printers for Raft enums so Boost.Test can show them in failed assertions. Test-only.
#pragma once

#include <ostream>

#include "server/raft/message.hpp"
#include "server/raft/raw_node.hpp"

namespace coord::raft {

inline std::ostream& operator<<(std::ostream& os, Role r) { return os << to_string(r); }
inline std::ostream& operator<<(std::ostream& os, MessageType t) { return os << to_string(t); }
inline std::ostream& operator<<(std::ostream& os, ProgressState s) { return os << to_string(s); }
inline std::ostream& operator<<(std::ostream& os, EntryType t) { return os << static_cast<int>(t); }
inline std::ostream& operator<<(std::ostream& os, ConfChangeType t) { return os << static_cast<int>(t); }

}  // namespace coord::raft
