#include "server/proxy/cluster_file.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace coord::proxy {

namespace json = boost::json;

namespace {

std::string proxy_dir(const std::string& data_dir) { return data_dir + "/proxy"; }

Status make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) return Status::ok();
  return Status::io_error("mkdir " + path + ": " + std::strerror(errno));
}

}  // namespace

std::string cluster_file_path(const std::string& data_dir) { return proxy_dir(data_dir) + "/cluster"; }

Result<std::optional<std::vector<std::string>>> read_cluster_file(const std::string& data_dir) {
  const std::string path = cluster_file_path(data_dir);
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return std::optional<std::vector<std::string>>{};
    return Status::io_error("read " + path + ": " + std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  json::value v = json::parse(text.str(), ec);
  const json::value* urls = (!ec && v.is_object()) ? v.as_object().if_contains("PeerURLs") : nullptr;
  if (urls == nullptr || !urls->is_array()) return Status::corruption(path + ": not a proxy cluster file");
  std::vector<std::string> out;
  for (const auto& u : urls->as_array()) {
    if (!u.is_string()) return Status::corruption(path + ": not a proxy cluster file");
    out.emplace_back(u.as_string().c_str());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

Status write_cluster_file(const std::string& data_dir, const std::vector<std::string>& peer_urls) {
  COORD_RETURN_IF_ERROR(make_dir(data_dir));
  COORD_RETURN_IF_ERROR(make_dir(proxy_dir(data_dir)));
  json::array urls;
  for (const auto& u : peer_urls) urls.emplace_back(u);
  const std::string text = json::serialize(json::object{{"PeerURLs", std::move(urls)}});
  const std::string path = cluster_file_path(data_dir);
  const std::string temp = path + ".bak";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::io_error("open " + temp + ": " + std::strerror(errno));
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fdatasync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!written) return Status::io_error("write " + temp + ": " + std::strerror(saved));
  if (::rename(temp.c_str(), path.c_str()) != 0) return Status::io_error("rename " + temp + ": " + std::strerror(errno));
  return Status::ok();
}

}  // namespace coord::proxy
