// Flattening, JSON lines and the windowed writer of key_tree.hpp.
#include "examples/coordctl/key_tree.hpp"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>

#include <boost/json.hpp>

#include "coord/error.hpp"

namespace json = boost::json;

namespace coord::examples {

void flatten(const Node& node, bool include_self, std::vector<TreeEntry>& out) {
  if (include_self) {
    TreeEntry e{node.key, node.dir, node.dir ? std::string() : node.value.value_or(""), node.ttl};
    out.push_back(std::move(e));
  }
  for (const auto& child : node.nodes) flatten(child, true, out);
}

std::string to_json_line(const TreeEntry& e) {
  json::object o{{"key", e.key}};
  if (e.dir) o["dir"] = true;
  else o["value"] = e.value;
  if (e.ttl) o["ttl"] = *e.ttl;
  return json::serialize(o);
}

TreeEntry parse_json_line(const std::string& line, std::size_t line_number) {
  const std::string where = "line " + std::to_string(line_number) + ": ";
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec || !v.is_object()) throw std::invalid_argument(where + "not a JSON object");
  const auto& o = v.as_object();
  TreeEntry e;
  for (const auto& [name, field] : o) {
    if (name == "key" && field.is_string()) {
      e.key = std::string(field.as_string());
    } else if (name == "dir" && field.is_bool()) {
      e.dir = field.as_bool();
    } else if (name == "value" && field.is_string()) {
      e.value = std::string(field.as_string());
    } else if (name == "ttl" && field.is_int64()) {
      e.ttl = field.as_int64();
    } else if (name == "ttl" && field.is_uint64()) {
      throw std::invalid_argument(where + "ttl out of range");
    } else {
      throw std::invalid_argument(where + "unexpected field \"" + std::string(name) + "\" (or wrong type)");
    }
  }
  if (e.key.size() < 2 || e.key.front() != '/' || e.key.back() == '/' || e.key.find("//") != std::string::npos) {
    throw std::invalid_argument(where + "key must be a path below / (\"/a/b\")");
  }
  if (e.dir && o.contains("value")) throw std::invalid_argument(where + "a directory has no value");
  if (!e.dir && !o.contains("value")) throw std::invalid_argument(where + "a file needs a value");
  return e;
}

namespace {

// Up to `limit` async writes at once; wait() returns when all are done. Handlers run on the
// client's threads and only touch this object under its mutex.
class Window {
 public:
  explicit Window(std::size_t limit) : limit_(limit) {}

  // Blocks until a slot is free (or an error was seen: then false, nothing must be started).
  bool acquire() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return in_flight_ < limit_ || error_; });
    if (error_) return false;
    ++in_flight_;
    return true;
  }
  void release(std::exception_ptr e) {
    std::lock_guard lock(mu_);
    if (e && !error_) error_ = e;
    --in_flight_;
    cv_.notify_all();
  }
  // Waits for every write started; rethrows the first error.
  void wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return in_flight_ == 0; });
    if (error_) std::rethrow_exception(error_);
  }

 private:
  const std::size_t limit_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::size_t in_flight_ = 0;
  std::exception_ptr error_;
};

bool is_code(std::exception_ptr e, int code) {
  try {
    std::rethrow_exception(e);
  } catch (const Error& err) {
    return err.error_code() == code;
  } catch (...) {
    return false;
  }
}

std::optional<std::chrono::seconds> ttl_of(const TreeEntry& e) {
  if (!e.ttl) return std::nullopt;
  return std::chrono::seconds(std::max<std::int64_t>(1, *e.ttl));  // about to expire: keep it one second
}

}  // namespace

void write_tree(Client& client, const std::vector<TreeEntry>& entries, WriteMode mode, Progress* progress,
                std::size_t in_flight) {
  std::map<std::size_t, std::vector<const TreeEntry*>> by_depth;
  for (const auto& e : entries) by_depth[std::count(e.key.begin(), e.key.end(), '/')].push_back(&e);
  Window window(in_flight);
  for (const auto& [depth, level] : by_depth) {
    for (const TreeEntry* e : level) {
      if (!window.acquire()) break;
      auto done = [&window, progress](std::exception_ptr err, const Response&) {
        if (!err && progress) progress->add();
        window.release(err);
      };
      if (!e->dir) {
        SetOptions o{.ttl = ttl_of(*e)};
        if (mode == WriteMode::kCreate) o.prev_exist = false;
        client.async_set(e->key, e->value, o, done);
      } else if (mode == WriteMode::kCreate) {
        client.async_mkdir(e->key, SetOptions{.ttl = ttl_of(*e)}, done);
      } else {
        // An existing directory is kept (with its children) and takes the entry's TTL: PUT
        // dir=true prevExist=true is how v2 changes a directory's TTL.
        client.async_mkdir(e->key, SetOptions{.ttl = ttl_of(*e)},
                           [&client, e, done](std::exception_ptr err, const Response& r) {
                             if (!err || !is_code(err, 105)) return done(err, r);
                             client.async_mkdir(e->key, SetOptions{.ttl = ttl_of(*e), .prev_exist = true}, done);
                           });
      }
    }
    window.wait();  // this depth is written before anything below it
  }
}

}  // namespace coord::examples
