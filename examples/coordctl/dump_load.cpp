// dump and load (see dump_load.hpp).
#include "examples/coordctl/dump_load.hpp"

#include <fstream>
#include <iostream>
#include <set>

#include "coord/error.hpp"
#include "examples/coordctl/key_tree.hpp"
#include "examples/coordctl/progress.hpp"

namespace coord::examples {
namespace {

// A whole tree comes in one answer: give it longer than a single key's request timeout.
constexpr std::chrono::seconds kTreeReadTimeout{300};

std::string parent_of(const std::string& key) {
  const auto slash = key.rfind('/');
  return slash == 0 ? "/" : key.substr(0, slash);
}

}  // namespace

int run_dump(Client& client, const CommandLine& cl) {
  std::vector<std::string> roots{cl.args.empty() ? "/" : cl.args[0]};
  for (const auto& h : cl.all("hidden")) roots.push_back(h);
  std::vector<TreeEntry> entries;
  for (const auto& root : roots) {
    auto r = client.get(root, GetOptions{.recursive = true, .sorted = true, .quorum = true, .timeout = kTreeReadTimeout});
    flatten(r.node, !r.node.key.empty() && r.node.key != "/", entries);
  }
  Progress progress("dump", "keys", entries.size());
  for (const auto& e : entries) {
    std::cout << to_json_line(e) << '\n';
    progress.add();
  }
  std::cout.flush();
  progress.finish();
  return std::cout ? 0 : 4;
}

int run_load(Client& client, const CommandLine& cl) {
  if (cl.args.empty()) throw std::invalid_argument("missing dump file (or - for stdin)");
  const std::string path = cl.args[0];
  std::ifstream file;
  if (path != "-") {
    file.open(path);
    if (!file) throw std::invalid_argument("cannot read " + path);
  }
  std::istream& in = path == "-" ? std::cin : file;
  std::vector<TreeEntry> entries;
  std::set<std::string> keys;
  std::size_t line_number = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    if (line.empty()) continue;
    entries.push_back(parse_json_line(line, line_number));
    if (!keys.insert(entries.back().key).second) {
      throw std::invalid_argument("line " + std::to_string(line_number) + ": " + entries.back().key + " appears twice");
    }
  }
  const bool overwrite = cl.flag("overwrite");
  if (!overwrite) {
    // Nothing is written when a top-level key of the file (one whose parent is not in it) exists.
    for (const auto& e : entries) {
      if (keys.count(parent_of(e.key))) continue;
      try {
        auto r = client.get(e.key, GetOptions{.quorum = true});
        throw Error(105, "Key already exists", e.key, r.etcd_index, 412);
      } catch (const Error& err) {
        if (err.error_code() != 100) throw;
      }
    }
  }
  Progress progress("load", "keys", entries.size());
  write_tree(client, entries, overwrite ? WriteMode::kOverwrite : WriteMode::kCreate, &progress);
  progress.finish();
  return 0;
}

}  // namespace coord::examples
