// The sequential model of one v2 key, for the linearizability checker (linearizability.hpp):
// what a single etcd v2 key answers to set, compare-and-swap, create (prevExist=false),
// delete and a quorum get, one operation at a time. Partitioned by key.
//
// Values written in a scenario must be unique per write, so that a read names the write it
// saw; the model then needs only the current value, not indexes.
//
// Thread-safety: stateless.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>

namespace coord::test::history {

struct V2KeyModel {
  enum class Kind { set, cas, create, remove, get };
  struct Input {
    Kind kind = Kind::get;
    std::string key;
    std::string value;     // set, cas, create
    std::string expected;  // cas: prevValue
  };
  // What the client saw: success, or the v2 error it got (100 key not found, 101 compare
  // failed, 105 node exists), and for a get the value read.
  struct Output {
    bool ok = false;
    int error_code = 0;
    std::optional<std::string> value;  // get: the value, nullopt when not found
    bool operator==(const Output&) const = default;
  };
  using State = std::optional<std::string>;  // the key's value; nullopt: no such key

  static State initial() { return std::nullopt; }
  static std::string partition(const Input& in) { return in.key; }
  static std::size_t hash(const State& s) { return s ? std::hash<std::string>{}(*s) : 0x9e3779b9; }
  static bool same(const Output& recorded, const Output& produced) { return recorded == produced; }

  static Output success(std::optional<std::string> value = std::nullopt) { return {true, 0, std::move(value)}; }
  static Output failure(int code) { return {false, code, std::nullopt}; }

  static std::pair<Output, State> apply(const State& s, const Input& in) {
    switch (in.kind) {
      case Kind::set:
        return {success(), in.value};
      case Kind::cas:
        if (!s) return {failure(100), s};
        if (*s != in.expected) return {failure(101), s};
        return {success(), in.value};
      case Kind::create:
        if (s) return {failure(105), s};
        return {success(), in.value};
      case Kind::remove:
        if (!s) return {failure(100), s};
        return {success(), std::nullopt};
      case Kind::get:
        if (!s) return {failure(100), s};
        return {success(*s), s};
    }
    return {failure(-1), s};
  }
};

}  // namespace coord::test::history
