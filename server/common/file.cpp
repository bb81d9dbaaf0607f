#include "server/common/file.hpp"

namespace coord {

std::string join_path(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (!out.empty() && out.back() != '/') out.push_back('/');
  out.append(name);
  return out;
}

std::string parent_path(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

Status write_file_atomically(FileSystem& fs, const std::string& path, std::string_view data) {
  const std::string tmp = path + ".tmp";
  auto file = fs.open(tmp, OpenMode::kCreate);
  if (!file) return file.status();
  COORD_RETURN_IF_ERROR((*file)->append(data));
  COORD_RETURN_IF_ERROR((*file)->sync());
  COORD_RETURN_IF_ERROR((*file)->close());
  COORD_RETURN_IF_ERROR(fs.rename(tmp, path));
  return fs.sync_dir(parent_path(path));
}

}  // namespace coord
