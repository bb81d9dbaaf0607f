// The file layer: PosixFileSystem in a temp dir under /tmp, and MemFileSystem's durability
// model (what drop_unsynced keeps) and fault hooks.
#include "server/common/file.hpp"

#include <boost/test/unit_test.hpp>

#include "server/common/file_mem.hpp"
#include "server/common/file_posix.hpp"
#include "test/support/file/scratch_dir.hpp"

namespace coord {
namespace {

std::unique_ptr<File> open_ok(FileSystem& fs, const std::string& path, OpenMode mode) {
  auto f = fs.open(path, mode);
  BOOST_REQUIRE_MESSAGE(f.is_ok(), f.status().to_string());
  return std::move(*f);
}

std::string read_ok(FileSystem& fs, const std::string& path) {
  auto r = fs.read_file(path);
  BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  return *r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(file_paths)

BOOST_AUTO_TEST_CASE(join_and_parent__handle_slashes) {
  BOOST_TEST(join_path("a/b", "c") == "a/b/c");
  BOOST_TEST(join_path("a/b/", "c") == "a/b/c");
  BOOST_TEST(parent_path("a/b/c") == "a/b");
  BOOST_TEST(parent_path("/c") == "/");
  BOOST_TEST(parent_path("c") == ".");
  BOOST_TEST(parent_path("a/b/") == "a");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(posix_file_system)

BOOST_AUTO_TEST_CASE(basic_operations__work_in_a_temp_dir) {
  test::ScratchDir tmp;
  PosixFileSystem fs;
  const std::string dir = tmp / "a/b/c";
  BOOST_REQUIRE(fs.mkdirs(dir).is_ok());
  BOOST_REQUIRE(fs.mkdirs(dir).is_ok());  // idempotent
  const std::string path = dir + "/f";
  {
    auto f = open_ok(fs, path, OpenMode::kCreateExclusive);
    BOOST_REQUIRE(f->append("hello ").is_ok());
    BOOST_REQUIRE(f->append("world").is_ok());
    BOOST_REQUIRE(f->write_at(0, "H").is_ok());
    BOOST_REQUIRE(f->datasync().is_ok());
    std::string part;
    BOOST_REQUIRE(f->read_at(6, 5, part).is_ok());
    BOOST_TEST(part == "world");
    BOOST_TEST(!f->read_at(6, 50, part).is_ok());  // past the end
    BOOST_REQUIRE(f->sync().is_ok());
    BOOST_REQUIRE(f->close().is_ok());
    BOOST_TEST(!f->append("x").is_ok());  // closed
  }
  BOOST_TEST(read_ok(fs, path) == "Hello world");
  BOOST_TEST(!fs.open(path, OpenMode::kCreateExclusive).is_ok());
  BOOST_TEST(*fs.file_size(path) == 11u);

  BOOST_REQUIRE(fs.rename(path, dir + "/g").is_ok());
  BOOST_REQUIRE(fs.sync_dir(dir).is_ok());
  BOOST_TEST(!fs.exists(path));
  BOOST_TEST(fs.exists(dir + "/g"));
  auto names = fs.list_dir(dir);
  BOOST_REQUIRE(names.is_ok());
  BOOST_TEST((*names == std::vector<std::string>{"g"}));
  BOOST_REQUIRE(fs.remove(dir + "/g").is_ok());
  BOOST_TEST(fs.list_dir(dir)->empty());
  BOOST_TEST((fs.read_file(path).status().code() == StatusCode::kNotFound));
}

BOOST_AUTO_TEST_CASE(preallocate_and_truncate__zero_fill_and_shrink) {
  test::ScratchDir tmp;
  PosixFileSystem fs;
  auto f = open_ok(fs, tmp / "p", OpenMode::kCreate);
  BOOST_REQUIRE(f->append("abc").is_ok());
  BOOST_REQUIRE(f->preallocate(1 << 16).is_ok());
  BOOST_TEST(*f->size() == (1u << 16));
  BOOST_TEST(*fs.file_size(tmp / "p") == (1u << 16));
  std::string tail;
  BOOST_REQUIRE(f->read_at(3, 100, tail).is_ok());
  BOOST_TEST(tail == std::string(100, '\0'));
  BOOST_REQUIRE(f->write_at(3, "def").is_ok());
  BOOST_REQUIRE(f->truncate(6).is_ok());
  BOOST_REQUIRE(f->close().is_ok());
  BOOST_TEST(read_ok(fs, tmp / "p") == "abcdef");
}

BOOST_AUTO_TEST_CASE(lock_dir__excludes_a_second_locker_until_released) {
  test::ScratchDir tmp;
  PosixFileSystem fs;
  auto first = fs.lock_dir(tmp.path());
  BOOST_REQUIRE(first.is_ok());
  auto second = fs.lock_dir(tmp.path());
  BOOST_REQUIRE(!second.is_ok());
  BOOST_TEST((second.status().code() == StatusCode::kUnavailable));
  first->reset();
  BOOST_TEST(fs.lock_dir(tmp.path()).is_ok());
}

BOOST_AUTO_TEST_CASE(errors__name_the_path) {
  test::ScratchDir tmp;
  PosixFileSystem fs;
  auto r = fs.open(tmp / "missing", OpenMode::kRead);
  BOOST_REQUIRE(!r.is_ok());
  BOOST_TEST((r.status().code() == StatusCode::kNotFound));
  BOOST_TEST(r.status().message().find(tmp / "missing") != std::string::npos);
  BOOST_TEST(!fs.list_dir(tmp / "missing").is_ok());
}

BOOST_AUTO_TEST_CASE(write_file_atomically__replaces_the_content) {
  test::ScratchDir tmp;
  PosixFileSystem fs;
  BOOST_REQUIRE(write_file_atomically(fs, tmp / "x", "one").is_ok());
  BOOST_REQUIRE(write_file_atomically(fs, tmp / "x", "two").is_ok());
  BOOST_TEST(read_ok(fs, tmp / "x") == "two");
  BOOST_TEST(!fs.exists(tmp / "x.tmp"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(mem_file_system)

BOOST_AUTO_TEST_CASE(drop_unsynced__loses_appended_bytes_after_the_last_sync) {
  MemFileSystem fs;
  BOOST_REQUIRE(fs.mkdirs("/d").is_ok());
  auto f = open_ok(fs, "/d/f", OpenMode::kCreate);
  BOOST_REQUIRE(f->append("durable").is_ok());
  BOOST_REQUIRE(f->datasync().is_ok());
  BOOST_REQUIRE(fs.sync_dir("/d").is_ok());
  BOOST_REQUIRE(f->append(" lost").is_ok());
  BOOST_REQUIRE(f->write_at(0, "D").is_ok());
  BOOST_TEST(read_ok(fs, "/d/f") == "Durable lost");
  fs.drop_unsynced();
  BOOST_TEST(read_ok(fs, "/d/f") == "durable");
}

BOOST_AUTO_TEST_CASE(drop_unsynced__loses_a_create_without_a_directory_fsync) {
  MemFileSystem fs;
  BOOST_REQUIRE(fs.mkdirs("/d").is_ok());
  auto f = open_ok(fs, "/d/new", OpenMode::kCreate);
  BOOST_REQUIRE(f->append("data").is_ok());
  BOOST_REQUIRE(f->sync().is_ok());  // the file's bytes are durable, its name is not
  fs.drop_unsynced();
  BOOST_TEST(!fs.exists("/d/new"));
}

BOOST_AUTO_TEST_CASE(drop_unsynced__undoes_a_rename_and_a_remove_without_a_directory_fsync) {
  MemFileSystem fs;
  BOOST_REQUIRE(fs.mkdirs("/d").is_ok());
  fs.put_file("/d/a", "A");
  fs.put_file("/d/b", "B");
  BOOST_REQUIRE(fs.rename("/d/a", "/d/c").is_ok());
  BOOST_REQUIRE(fs.remove("/d/b").is_ok());
  BOOST_TEST(!fs.exists("/d/a"));
  fs.drop_unsynced();
  BOOST_TEST(read_ok(fs, "/d/a") == "A");
  BOOST_TEST(read_ok(fs, "/d/b") == "B");
  BOOST_TEST(!fs.exists("/d/c"));

  BOOST_REQUIRE(fs.rename("/d/a", "/d/c").is_ok());
  BOOST_REQUIRE(fs.sync_dir("/d").is_ok());
  fs.drop_unsynced();
  BOOST_TEST(!fs.exists("/d/a"));
  BOOST_TEST(read_ok(fs, "/d/c") == "A");
}

BOOST_AUTO_TEST_CASE(drop_unsynced_tearing__keeps_a_prefix_of_the_unsynced_bytes) {
  bool saw_partial = false;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    MemFileSystem fs;
    BOOST_REQUIRE(fs.mkdirs("/d").is_ok());
    fs.put_file("/d/f", "base");
    auto f = open_ok(fs, "/d/f", OpenMode::kReadWrite);
    BOOST_REQUIRE(f->append("0123456789").is_ok());
    fs.drop_unsynced_tearing(seed);
    const std::string after = read_ok(fs, "/d/f");
    BOOST_TEST(after.size() >= 4u);
    BOOST_TEST(after.size() <= 14u);
    BOOST_TEST(std::string("base0123456789").substr(0, after.size()) == after);
    saw_partial = saw_partial || (after.size() > 4 && after.size() < 14);
  }
  BOOST_TEST(saw_partial);
}

BOOST_AUTO_TEST_CASE(drop_unsynced_scrambling__keeps_whole_sectors_of_new_or_old_bytes) {
  MemFileSystem fs;
  BOOST_REQUIRE(fs.mkdirs("/d").is_ok());
  fs.put_file("/d/f", std::string(4096, 'o'));
  auto f = open_ok(fs, "/d/f", OpenMode::kReadWrite);
  BOOST_REQUIRE(f->write_at(0, std::string(4096, 'n')).is_ok());
  fs.drop_unsynced_scrambling(7);
  const std::string after = read_ok(fs, "/d/f");
  BOOST_REQUIRE(after.size() == 4096u);
  int fresh = 0;
  for (std::size_t s = 0; s < 4096; s += 512) {
    const std::string sector = after.substr(s, 512);
    BOOST_TEST((sector == std::string(512, 'n') || sector == std::string(512, 'o')));
    fresh += sector[0] == 'n';
  }
  BOOST_TEST(fresh > 0);
  BOOST_TEST(fresh < 8);
}

BOOST_AUTO_TEST_CASE(fault_hooks__fail_writes_and_syncs_after_skipping) {
  MemFileSystem fs;
  BOOST_REQUIRE(fs.mkdirs("/d").is_ok());
  auto f = open_ok(fs, "/d/f", OpenMode::kCreate);
  fs.fail_next_writes(1, 1);
  BOOST_TEST(f->append("a").is_ok());
  BOOST_TEST(!f->append("b").is_ok());
  BOOST_TEST(f->append("c").is_ok());
  BOOST_TEST(read_ok(fs, "/d/f") == "ac");
  fs.fail_next_syncs(2);
  BOOST_TEST(!f->datasync().is_ok());
  BOOST_TEST(!fs.sync_dir("/d").is_ok());
  BOOST_TEST(f->datasync().is_ok());
  BOOST_TEST(fs.data_syncs() == 1u);
  BOOST_TEST(fs.writes() == 2u);
}

BOOST_AUTO_TEST_CASE(corruption_hooks__change_durable_bytes) {
  MemFileSystem fs;
  BOOST_REQUIRE(fs.mkdirs("/d").is_ok());
  fs.put_file("/d/f", "abcdef");
  fs.flip_byte("/d/f", 0, 0x20);
  fs.zero_range("/d/f", 1, 2);
  fs.truncate_file("/d/f", 5);
  fs.drop_unsynced();  // the damage is on "disk", not in a cache
  BOOST_TEST(read_ok(fs, "/d/f") == std::string("A\0\0de", 5));
}

BOOST_AUTO_TEST_CASE(lock_dir__excludes_a_second_locker_and_a_crash_releases_it) {
  MemFileSystem fs;
  BOOST_REQUIRE(fs.mkdirs("/d").is_ok());
  auto first = fs.lock_dir("/d");
  BOOST_REQUIRE(first.is_ok());
  BOOST_TEST((fs.lock_dir("/d").status().code() == StatusCode::kUnavailable));
  fs.drop_unsynced();
  BOOST_TEST(fs.lock_dir("/d").is_ok());
}

BOOST_AUTO_TEST_CASE(open__requires_the_parent_directory_and_honours_modes) {
  MemFileSystem fs;
  BOOST_TEST((fs.open("/nope/f", OpenMode::kCreate).status().code() == StatusCode::kNotFound));
  BOOST_REQUIRE(fs.mkdirs("/d/e").is_ok());
  BOOST_TEST((*fs.list_dir("/d") == std::vector<std::string>{"e"}));
  fs.put_file("/d/f", "x");
  BOOST_TEST(!fs.open("/d/f", OpenMode::kCreateExclusive).is_ok());
  auto ro = open_ok(fs, "/d/f", OpenMode::kRead);
  BOOST_TEST(!ro->append("y").is_ok());
  auto trunc = open_ok(fs, "/d/f", OpenMode::kCreate);
  BOOST_TEST(*trunc->size() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord
