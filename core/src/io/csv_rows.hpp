// Rows of cells of CSV text with libcsv (no hand-written parser). Private to the core.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace classflow::detail {

/// One CSV record: its cells and the 1-based line it starts on.
struct CsvRow {
  std::vector<std::string> cells;
  long line = 0;
};

/// Rows of `text` split at `delimiter` (RFC 4180 quoting; spaces around fields trimmed; empty
/// lines skipped). `origin` names the file in messages.
/// @throws DataError naming origin and the row when the text is malformed (e.g. an open quote).
std::vector<CsvRow> read_csv_rows(std::string_view text, char delimiter, const std::string& origin);

}  // namespace classflow::detail
