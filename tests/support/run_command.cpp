#include "run_command.hpp"

#include <boost/filesystem.hpp>
#include <boost/process.hpp>

#include <fstream>
#include <iterator>
#include <stdexcept>

namespace classflow::test {

CommandResult run_command(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  namespace bp = boost::process;
  bp::ipstream out;
  // stderr goes to a file so a chatty child can never block on a full pipe while we read stdout.
  boost::filesystem::path err_file =
      boost::filesystem::temp_directory_path() / boost::filesystem::unique_path("classflow-err-%%%%%%%%");
  auto e = boost::this_process::environment();
  bp::environment child_env = e;
  for (const auto& kv : env) {
    auto eq = kv.find('=');
    child_env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  bp::child c(args.front(), bp::args(rest), bp::std_out > out, bp::std_err > err_file, bp::std_in < bp::null, child_env);
  CommandResult r;
  r.out.assign(std::istreambuf_iterator<char>(out), {});
  c.wait();
  {
    std::ifstream err(err_file.string(), std::ios::binary);
    r.err.assign(std::istreambuf_iterator<char>(err), {});
  }
  boost::filesystem::remove(err_file);
  r.exit_code = c.exit_code();
  return r;
}

CommandResult run_cli(const std::vector<std::string>& args) {
  std::vector<std::string> full{CLASSFLOW_CLI_PATH};
  full.insert(full.end(), args.begin(), args.end());
  return run_command(full, {"CLASSFLOW_PLUGIN_PATH="});
}

}  // namespace classflow::test
