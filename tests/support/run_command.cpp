#include "run_command.hpp"

#include <boost/filesystem.hpp>
#include <boost/process.hpp>

#include <fstream>
#include <cstdlib>
#include <iterator>
#include <optional>
#include <utility>
#include <stdexcept>

namespace classflow::test {

CommandResult run_command(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  namespace bp = boost::process;
  // The extra variables are set in this process around the spawn (and restored after), so the
  // child inherits them: Boost 1.74's bp::environment lookup reads past its strings (ASan).
  std::vector<std::pair<std::string, std::optional<std::string>>> saved;
  for (const auto& kv : env) {
    auto eq = kv.find('=');
    std::string key = kv.substr(0, eq);
    const char* old = std::getenv(key.c_str());
    saved.emplace_back(key, old ? std::optional<std::string>(old) : std::nullopt);
    ::setenv(key.c_str(), kv.substr(eq + 1).c_str(), 1);
  }
  auto restore = [&] {
    for (auto it = saved.rbegin(); it != saved.rend(); ++it) {
      if (it->second) ::setenv(it->first.c_str(), it->second->c_str(), 1);
      else ::unsetenv(it->first.c_str());
    }
  };
  bp::ipstream out;
  // stderr goes to a file so a chatty child can never block on a full pipe while we read stdout.
  boost::filesystem::path err_file =
      boost::filesystem::temp_directory_path() / boost::filesystem::unique_path("classflow-err-%%%%%%%%");
  std::vector<std::string> rest(args.begin() + 1, args.end());
  CommandResult r;
  try {
    bp::child c(args.front(), bp::args(rest), bp::std_out > out, bp::std_err > err_file, bp::std_in < bp::null);
    restore();
    r.out.assign(std::istreambuf_iterator<char>(out), {});
    c.wait();
    r.exit_code = c.exit_code();
  } catch (...) {
    restore();
    throw;
  }
  {
    std::ifstream err(err_file.string(), std::ios::binary);
    r.err.assign(std::istreambuf_iterator<char>(err), {});
  }
  boost::filesystem::remove(err_file);
  return r;
}

CommandResult run_cli(const std::vector<std::string>& args) {
  std::vector<std::string> full{CLASSFLOW_CLI_PATH};
  full.insert(full.end(), args.begin(), args.end());
  return run_command(full, {"CLASSFLOW_PLUGIN_PATH="});
}

}  // namespace classflow::test
