// classflow CLI: reading a CSV file into rows of cells with libcsv (no hand-written parser).
#pragma once

#include <string>
#include <vector>

namespace classflow::cli {

/// Rows of cells of the CSV file at `path` (RFC 4180 quoting; spaces around fields trimmed).
/// @throws DataError naming the file when it cannot be read or is malformed.
std::vector<std::vector<std::string>> read_csv(const std::string& path);

}  // namespace classflow::cli
