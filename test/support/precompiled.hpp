// The headers every test translation unit parses (Boost.Test and the standard library),
// compiled once per build variant and force-included into each test source by test/Jamfile
// (b2's cpp-pch); precompiled_net.hpp adds Asio, Beast and JSON for the tests that link them.
// It only saves parsing time: a test still includes what it uses itself, so it compiles the
// same without this file.

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>
