// CRC-32C (Castagnoli), the checksum on every WAL record and snapshot file.
// Uses the SSE4.2 instruction when the CPU has it, a table otherwise; both give the same value.
// Thread-safe (pure functions).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace coord::crc32c {

// Extends `crc` (the value of a previous call, or 0 to start) over `data`.
std::uint32_t extend(std::uint32_t crc, const void* data, std::size_t n);
inline std::uint32_t value(std::string_view data) { return extend(0, data.data(), data.size()); }
// The same by the table alone, whatever the CPU has: what extend() computes without SSE4.2.
// For tests that check the two agree.
std::uint32_t extend_portable(std::uint32_t crc, const void* data, std::size_t n);

}  // namespace coord::crc32c
