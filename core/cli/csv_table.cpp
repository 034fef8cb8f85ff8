#include "csv_table.hpp"

#include <classflow/error.hpp>

#include <csv.h>
#include <fmt/format.h>

#include <fstream>

namespace classflow::cli {

namespace {
struct Rows {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> current;
};
void on_field(void* s, size_t len, void* data) {
  static_cast<Rows*>(data)->current.emplace_back(static_cast<const char*>(s), len);
}
void on_row(int, void* data) {
  auto* r = static_cast<Rows*>(data);
  r->rows.push_back(std::move(r->current));
  r->current.clear();
}
}  // namespace

std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(fmt::format("CSV file '{}' cannot be read; expected a readable file", path));
  csv_parser p;
  if (csv_init(&p, CSV_STRICT | CSV_APPEND_NULL) != 0)
    throw DataError(fmt::format("CSV file '{}': parser could not start", path));
  Rows rows;
  char buf[1 << 16];
  while (in) {
    in.read(buf, sizeof buf);
    auto n = static_cast<size_t>(in.gcount());
    if (n == 0) break;
    if (csv_parse(&p, buf, n, on_field, on_row, &rows) != n) {
      std::string err = csv_strerror(csv_error(&p));
      csv_free(&p);
      throw DataError(fmt::format("CSV file '{}' is malformed near row {} ({}); expected comma-separated values "
                                  "with RFC 4180 quoting",
                                  path, rows.rows.size() + 1, err));
    }
  }
  csv_fini(&p, on_field, on_row, &rows);
  csv_free(&p);
  return rows.rows;
}

}  // namespace classflow::cli
