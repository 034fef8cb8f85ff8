#include "io/csv_rows.hpp"

#include <classflow/error.hpp>

#include <csv.h>
#include <fmt/format.h>

namespace classflow::detail {

namespace {
struct Collector {
  std::string_view text;
  std::vector<CsvRow> rows;
  CsvRow current;
  long line = 1;         // line of the next byte handed to libcsv
  bool row_open = false;
};
void on_field(void* s, size_t len, void* data) {
  auto* c = static_cast<Collector*>(data);
  c->current.cells.emplace_back(static_cast<const char*>(s), len);
}
void on_row(int, void* data) {
  auto* c = static_cast<Collector*>(data);
  c->rows.push_back(std::move(c->current));
  c->current = CsvRow{};
  c->row_open = false;
}
}  // namespace

std::vector<CsvRow> read_csv_rows(std::string_view text, char delimiter, const std::string& origin) {
  csv_parser p;
  if (csv_init(&p, CSV_STRICT | CSV_APPEND_NULL) != 0)
    throw DataError(fmt::format("CSV file '{}': parser could not start", origin));
  csv_set_delim(&p, static_cast<unsigned char>(delimiter));
  Collector c{text, {}, {}, 1, false};
  // Fed line by line, so each record knows the line it starts on.
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    end = end == std::string_view::npos ? text.size() : end + 1;
    if (!c.row_open) c.current.line = c.line;
    c.row_open = true;
    const std::size_t n = end - pos;
    if (csv_parse(&p, text.data() + pos, n, on_field, on_row, &c) != n) {
      std::string err = csv_strerror(csv_error(&p));
      csv_free(&p);
      throw DataError(fmt::format("CSV file '{}' is malformed at line {} ({}); expected values separated by '{}' "
                                  "with RFC 4180 quoting",
                                  origin, c.line, err, delimiter == '\t' ? std::string("\\t") : std::string(1, delimiter)));
    }
    ++c.line;
    pos = end;
  }
  csv_fini(&p, on_field, on_row, &c);
  csv_free(&p);
  return std::move(c.rows);
}

}  // namespace classflow::detail
