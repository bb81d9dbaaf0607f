// Little-endian binary coding shared by every on-disk and on-wire format (WAL records, snapshot
// files, raft messages, apply requests). Encoder appends to a std::string; Decoder reads from a
// byte view and bounds-checks every read, so garbage input yields an error, never a crash or an
// unbounded allocation. Not thread-safe; cheap to create per message.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace coord {

class Encoder {
 public:
  explicit Encoder(std::string& out) : out_(out) {}

  void put_u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void put_u32(std::uint32_t v) { put_fixed(v); }
  void put_u64(std::uint64_t v) { put_fixed(v); }
  void put_i64(std::int64_t v) { put_fixed(static_cast<std::uint64_t>(v)); }
  void put_bool(bool v) { put_u8(v ? 1 : 0); }
  // Varint (LEB128) for small counts and lengths.
  void put_varint(std::uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  // Length-prefixed (varint) bytes.
  void put_bytes(std::string_view b) {
    put_varint(b.size());
    out_.append(b.data(), b.size());
  }
  void put_raw(std::string_view b) { out_.append(b.data(), b.size()); }
  // A varint count followed by that many length-prefixed strings.
  template <class Strings>
  void put_strings(const Strings& list) {
    put_varint(list.size());
    for (const auto& s : list) put_bytes(s);
  }
  std::size_t size() const { return out_.size(); }

 private:
  template <class T>
  void put_fixed(T v) {
    char buf[sizeof(T)];
    for (std::size_t i = 0; i < sizeof(T); ++i) buf[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    out_.append(buf, sizeof(T));
  }
  std::string& out_;
};

// Reads values in the order they were written. Every getter returns false (and leaves the
// decoder failed) when the input is too short or a length is out of bounds; once failed, every
// later call fails too, so callers may check ok() once at the end.
class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}

  bool get_u8(std::uint8_t& v) { return get_fixed(v); }
  bool get_u32(std::uint32_t& v) { return get_fixed(v); }
  bool get_u64(std::uint64_t& v) { return get_fixed(v); }
  bool get_i64(std::int64_t& v) {
    std::uint64_t u = 0;
    if (!get_fixed(u)) return false;
    v = static_cast<std::int64_t>(u);
    return true;
  }
  bool get_bool(bool& v) {
    std::uint8_t b = 0;
    if (!get_u8(b) || b > 1) return fail();
    v = b == 1;
    return true;
  }
  bool get_varint(std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (failed_ || pos_ >= in_.size()) return fail();
      auto byte = static_cast<std::uint8_t>(in_[pos_++]);
      v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return fail();
  }
  // A length-prefixed byte string; the view points into the input.
  bool get_bytes(std::string_view& b) {
    std::uint64_t n = 0;
    if (!get_varint(n) || n > remaining()) return fail();
    b = in_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool get_bytes(std::string& b) {
    std::string_view v;
    if (!get_bytes(v)) return false;
    b.assign(v.data(), v.size());
    return true;
  }
  // A count of following items, each at least `min_item_bytes` long: rejects counts the rest of
  // the input could not possibly hold, so a corrupt count never drives a huge reserve().
  bool get_count(std::uint64_t& n, std::size_t min_item_bytes) {
    if (!get_varint(n)) return false;
    if (min_item_bytes > 0 && n > remaining() / min_item_bytes) return fail();
    return true;
  }
  // The inverse of Encoder::put_strings; the count is bounded by the input left.
  bool get_strings(std::vector<std::string>& list) {
    std::uint64_t n = 0;
    if (!get_count(n, 1)) return false;
    list.resize(n);
    for (auto& s : list)
      if (!get_bytes(s)) return false;
    return true;
  }
  bool get_raw(std::size_t n, std::string_view& b) {
    if (failed_ || n > remaining()) return fail();
    b = in_.substr(pos_, n);
    pos_ += n;
    return true;
  }

  std::size_t remaining() const { return failed_ ? 0 : in_.size() - pos_; }
  std::size_t position() const { return pos_; }
  bool ok() const { return !failed_; }
  bool done() const { return !failed_ && pos_ == in_.size(); }

 private:
  template <class T>
  bool get_fixed(T& v) {
    if (failed_ || in_.size() - pos_ < sizeof(T)) return fail();
    T r = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i)
      r |= static_cast<T>(static_cast<T>(static_cast<std::uint8_t>(in_[pos_ + i])) << (8 * i));
    v = r;
    pos_ += sizeof(T);
    return true;
  }
  bool fail() {
    failed_ = true;
    return false;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace coord
