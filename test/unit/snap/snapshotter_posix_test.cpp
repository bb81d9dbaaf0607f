// The snapshotter on the real filesystem (PosixFileSystem in a temp dir under /tmp), plus a
// save/load figure for a large snapshot (a disabled case: run it by name).
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdio>

#include "server/common/file_posix.hpp"
#include "server/snap/snap_format.hpp"
#include "server/snap/snapshotter.hpp"
#include "test/support/file/log_fixtures.hpp"
#include "test/support/file/scratch_dir.hpp"

namespace coord::snap {

BOOST_AUTO_TEST_SUITE(snapshotter_posix)

BOOST_AUTO_TEST_CASE(save_load_purge__work_on_the_real_filesystem) {
  test::ScratchDir tmp;
  PosixFileSystem fs;
  Snapshotter s(fs, tmp / "member/snap");
  for (std::uint64_t i = 1; i <= 4; ++i)
    BOOST_REQUIRE(s.save(test::make_snapshot(i * 100, 2, test::random_bytes(5000, i))).is_ok());
  auto loaded = s.load();
  BOOST_REQUIRE_MESSAGE(loaded.is_ok(), loaded.status().to_string());
  BOOST_TEST((*loaded == test::make_snapshot(400, 2, test::random_bytes(5000, 4))));
  BOOST_REQUIRE(s.purge(2, {400, 2, {}}).is_ok());
  BOOST_TEST(s.snapshot_names()->size() == 2u);
  BOOST_TEST(!fs.exists(tmp / ("member/snap/" + snapshot_name(2, 400) + ".tmp")));
}

// Run: snap_test --run_test=snapshotter_posix/figure__save_and_load_a_large_snapshot
BOOST_AUTO_TEST_CASE(figure__save_and_load_a_large_snapshot, *boost::unit_test::disabled()) {
  test::ScratchDir tmp;
  PosixFileSystem fs;
  Snapshotter s(fs, tmp / "snap");
  const auto snap = test::make_snapshot(1000000, 5, test::random_bytes(256u << 20, 9));
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  BOOST_REQUIRE(s.save(snap).is_ok());
  const auto t1 = Clock::now();
  auto loaded = s.load();
  const auto t2 = Clock::now();
  BOOST_REQUIRE(loaded.is_ok());
  BOOST_TEST((loaded->data == snap.data));
  const std::chrono::duration<double> save = t1 - t0, load = t2 - t1;
  std::printf("256 MiB snapshot: save (write + fsync + rename + dir fsync) %.3f s, load (read + CRC) %.3f s\n",
              save.count(), load.count());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::snap
