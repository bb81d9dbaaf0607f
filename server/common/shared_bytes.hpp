// SharedBytes: an immutable byte string whose copies share one buffer. A Raft entry's data is
// held by the unstable log, each Ready, the in-memory log, the messages to every follower and the
// apply path at once; with 1 MiB values each of those holders used to copy the megabyte into
// fresh memory (a third of a 1 MiB PUT's CPU went to those copies and their page faults). A copy
// of a SharedBytes is a reference count.
//
// Invariant: the bytes never change once constructed; an empty SharedBytes holds no buffer.
// Thread-safety: copies may be made, read and destroyed on different threads at once (the
// count is atomic, the bytes are immutable).
#pragma once

#include <cstddef>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace coord {

class SharedBytes {
 public:
  SharedBytes() = default;
  // Takes the string's buffer: no copy of the bytes.
  SharedBytes(std::string bytes)  // NOLINT(google-explicit-constructor): a string is bytes
      : bytes_(bytes.empty() ? nullptr : std::make_shared<const std::string>(std::move(bytes))) {}
  SharedBytes(std::string_view bytes) : SharedBytes(std::string(bytes)) {}  // NOLINT: copies
  SharedBytes(const char* bytes) : SharedBytes(std::string_view(bytes)) {}  // NOLINT: copies

  std::string_view view() const { return bytes_ ? std::string_view(*bytes_) : std::string_view(); }
  operator std::string_view() const { return view(); }  // NOLINT(google-explicit-constructor)
  const char* data() const { return view().data(); }
  std::size_t size() const { return bytes_ ? bytes_->size() : 0; }
  bool empty() const { return size() == 0; }
  // Replaces the bytes with a copy of [p, p + n).
  void assign(const char* p, std::size_t n) { *this = SharedBytes(std::string(p, n)); }

  friend bool operator==(const SharedBytes& a, const SharedBytes& b) { return a.view() == b.view(); }
  friend bool operator==(const SharedBytes& a, std::string_view b) { return a.view() == b; }
  friend bool operator==(const SharedBytes& a, const std::string& b) { return a.view() == b; }
  friend bool operator==(const SharedBytes& a, const char* b) { return a.view() == b; }
  friend std::ostream& operator<<(std::ostream& os, const SharedBytes& b) { return os << b.view(); }

 private:
  std::shared_ptr<const std::string> bytes_;
};

}  // namespace coord
