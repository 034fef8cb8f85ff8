// `classflow report`: the check, then one self-contained HTML page about the roots.
#include "common.hpp"

#include <fmt/format.h>

#include <iostream>

namespace classflow::cli {

int run_report_command(const PluginOptions& plugins, const ScanFlags& scan, const ReportFlags& flags) {
  const CheckOptions check_options = flags.check.to_options();
  ReportOptions options;
  options.title = flags.title;
  options.thumbnails = flags.thumbnails;
  auto registry = plugins.make_registry();
  const auto sets = scan.scan_roots(*registry);
  for (const auto& s : sets) print_warnings(s.dataset);
  const CheckResult check = check_datasets(*registry, datasets_of(sets), check_options);
  write_report(*registry, sets, check, flags.output, options);
  fmt::print("wrote {} ({} images, {} root{}; check: {} corrupt, {} conflict, {} leak, {} duplicate)\n",
             printable(flags.output), check.files, sets.size(), sets.size() == 1 ? "" : "s", check.corrupt.size(),
             check.count(DuplicateKind::conflict), check.count(DuplicateKind::leak),
             check.count(DuplicateKind::duplicate));
  return 0;
}

}  // namespace classflow::cli
