#include "conformance_tree.hpp"

#include <boost/archive/iterators/binary_from_base64.hpp>
#include <boost/archive/iterators/transform_width.hpp>
#include <boost/filesystem.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace classflow::test {

std::string base64_decode(const std::string& text) {
  using namespace boost::archive::iterators;
  using It = transform_width<binary_from_base64<std::string::const_iterator>, 8, 6>;
  std::string s = text;
  std::size_t pad = 0;
  while (!s.empty() && s.back() == '=') {
    s.pop_back();
    ++pad;
  }
  if (s.empty()) return {};
  std::string out(It(s.begin()), It(s.end()));
  return out;
}

void materialise_tree(const std::string& tree_file, const std::string& root) {
  namespace fs = boost::filesystem;
  std::ifstream in(tree_file);
  if (!in) throw std::runtime_error("conformance tree '" + tree_file + "' cannot be read");
  nlohmann::json j = nlohmann::json::parse(in);
  fs::create_directories(root);
  for (const auto& e : j.at("entries")) {
    fs::path p = fs::path(root) / e.at("path").get<std::string>();
    std::string kind = e.at("kind").get<std::string>();
    if (kind == "dir") {
      fs::create_directories(p);
    } else if (kind == "file") {
      fs::create_directories(p.parent_path());
      std::ofstream out(p.string(), std::ios::binary);
      out << base64_decode(e.value("bytes_b64", std::string()));
    } else if (kind == "symlink") {
      fs::create_directories(p.parent_path());
      fs::create_symlink(e.at("target").get<std::string>(), p);
    } else {
      throw std::runtime_error("conformance tree '" + tree_file + "' has an entry of unknown kind '" + kind + "'");
    }
  }
}

}  // namespace classflow::test
