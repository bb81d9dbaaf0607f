// Expected nodes for tests that compare what the store answers (NodeExtern, the node as the v2
// API shows it) field by field: a file, a directory, and the node of a delete or expire event
// (a key and its indexes, no value).
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "server/store/event.hpp"

namespace coord::test {

inline store::NodeExtern file_node(std::string key, std::string value, std::uint64_t modified_index,
                                   std::uint64_t created_index) {
  store::NodeExtern n;
  n.key = std::move(key);
  n.value = std::move(value);
  n.modified_index = modified_index;
  n.created_index = created_index;
  return n;
}

inline store::NodeExtern dir_node(std::string key, std::uint64_t modified_index, std::uint64_t created_index) {
  store::NodeExtern n;
  n.key = std::move(key);
  n.dir = true;
  n.modified_index = modified_index;
  n.created_index = created_index;
  return n;
}

inline store::NodeExtern deleted_node(std::string key, std::uint64_t modified_index, std::uint64_t created_index) {
  store::NodeExtern n;
  n.key = std::move(key);
  n.modified_index = modified_index;
  n.created_index = created_index;
  return n;
}

}  // namespace coord::test
