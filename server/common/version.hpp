// The versions coordd reports: etcd's, since clients and tools check them to decide what a
// server speaks (/version, `coordd --version`, the cluster version members agree on through Raft).
// Header-only constants.
#pragma once

#include <string_view>

namespace coord {

// The etcd release whose v2 API coordd answers as.
inline constexpr std::string_view kServerVersion = "3.4.23";
// The cluster version a leader proposes once every member runs this one.
inline constexpr std::string_view kClusterVersion = "3.4.0";

}  // namespace coord
