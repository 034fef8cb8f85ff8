// Test support: runs a command line and captures its exit code, stdout and stderr.
#pragma once

#include <string>
#include <vector>

namespace classflow::test {

/// What a finished command produced.
struct CommandResult {
  int exit_code = -1;
  std::string out;  ///< stdout
  std::string err;  ///< stderr
};

/// Runs `args[0]` with the rest as arguments (no shell; each argument passed verbatim), with
/// `env` entries ("KEY=VALUE") added to the environment. @throws std::runtime_error if it
/// cannot be started.
CommandResult run_command(const std::vector<std::string>& args, const std::vector<std::string>& env = {});

/// Runs the built `classflow` CLI with `args`, with CLASSFLOW_PLUGIN_PATH cleared.
CommandResult run_cli(const std::vector<std::string>& args);

}  // namespace classflow::test
