// StoreStats: the counters of GET /v2/stats/store, in the order etcd prints them (etcd 3.4's v2 API),
// and StoreCounters, their live atomic form inside Store: reads bump gets* under a shared lock,
// so every counter is a relaxed atomic. StoreStats is a plain value; StoreCounters is safe for
// concurrent use.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <utility>

namespace coord::store {

struct StoreStats {
  std::uint64_t gets_success = 0;
  std::uint64_t gets_fail = 0;
  std::uint64_t sets_success = 0;
  std::uint64_t sets_fail = 0;
  std::uint64_t delete_success = 0;
  std::uint64_t delete_fail = 0;
  std::uint64_t update_success = 0;
  std::uint64_t update_fail = 0;
  std::uint64_t create_success = 0;
  std::uint64_t create_fail = 0;
  std::uint64_t compare_and_swap_success = 0;
  std::uint64_t compare_and_swap_fail = 0;
  std::uint64_t compare_and_delete_success = 0;
  std::uint64_t compare_and_delete_fail = 0;
  std::uint64_t expire_count = 0;
  std::uint64_t watchers = 0;

  // (etcd JSON name, value) in etcd's order, for the http layer's writer.
  std::array<std::pair<const char*, std::uint64_t>, 16> fields() const {
    return {{{"getsSuccess", gets_success},
             {"getsFail", gets_fail},
             {"setsSuccess", sets_success},
             {"setsFail", sets_fail},
             {"deleteSuccess", delete_success},
             {"deleteFail", delete_fail},
             {"updateSuccess", update_success},
             {"updateFail", update_fail},
             {"createSuccess", create_success},
             {"createFail", create_fail},
             {"compareAndSwapSuccess", compare_and_swap_success},
             {"compareAndSwapFail", compare_and_swap_fail},
             {"compareAndDeleteSuccess", compare_and_delete_success},
             {"compareAndDeleteFail", compare_and_delete_fail},
             {"expireCount", expire_count},
             {"watchers", watchers}}};
  }
  friend bool operator==(const StoreStats&, const StoreStats&) = default;
};

// The counters Store keeps (all but `watchers`, which is the hub's live count).
enum class Counter : std::uint8_t {
  kGetsSuccess, kGetsFail, kSetsSuccess, kSetsFail, kDeleteSuccess, kDeleteFail,
  kUpdateSuccess, kUpdateFail, kCreateSuccess, kCreateFail, kCasSuccess, kCasFail,
  kCadSuccess, kCadFail, kExpireCount,
};
inline constexpr std::size_t kCounterCount = 15;

class StoreCounters {
 public:
  void bump(Counter c) const { v_[static_cast<std::size_t>(c)].fetch_add(1, std::memory_order_relaxed); }
  std::uint64_t get(std::size_t i) const { return v_[i].load(std::memory_order_relaxed); }
  void set(std::size_t i, std::uint64_t x) { v_[i].store(x, std::memory_order_relaxed); }
  StoreStats snapshot(std::uint64_t watchers) const {
    StoreStats s;
    std::uint64_t* out[kCounterCount] = {
        &s.gets_success, &s.gets_fail, &s.sets_success, &s.sets_fail, &s.delete_success,
        &s.delete_fail, &s.update_success, &s.update_fail, &s.create_success, &s.create_fail,
        &s.compare_and_swap_success, &s.compare_and_swap_fail, &s.compare_and_delete_success,
        &s.compare_and_delete_fail, &s.expire_count};
    for (std::size_t i = 0; i < kCounterCount; ++i) *out[i] = get(i);
    s.watchers = watchers;
    return s;
  }

 private:
  mutable std::array<std::atomic<std::uint64_t>, kCounterCount> v_{};
};

}  // namespace coord::store
