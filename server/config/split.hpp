// split(): a flag value cut at each `sep` ("a,b,,c" -> "a", "b", "", "c"; "" -> one empty part),
// as Go's strings.Split cuts etcd's list flags. Pure.
#pragma once

#include <string>
#include <vector>

namespace coord::config {

inline std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto pos = s.find(sep, start);
    out.push_back(s.substr(start, pos - start));
    if (pos == std::string::npos) return out;
    start = pos + 1;
  }
}

}  // namespace coord::config
