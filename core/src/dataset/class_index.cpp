// ClassIndex: ordering rules and compatibility checks.
#include <classflow/class_index.hpp>
#include <classflow/error.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace classflow {

ClassOrder parse_class_order(std::string_view text) {
  if (text == "bytes" || text == "sorted") return ClassOrder::bytes;
  if (text == "natural") return ClassOrder::natural;
  throw UsageError(fmt::format("unknown class_order '{}'; expected one of: bytes, natural", text));
}

namespace {
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Natural order: runs of digits compare by numeric value (then by length, so "01" < "1" is
// decided deterministically), other runs by bytes; a full tie falls back to byte order.
int natural_compare(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      std::size_t si = i, sj = j;
      while (i < a.size() && is_digit(a[i])) ++i;
      while (j < b.size() && is_digit(b[j])) ++j;
      std::string_view da = a.substr(si, i - si), db = b.substr(sj, j - sj);
      std::size_t za = da.find_first_not_of('0'), zb = db.find_first_not_of('0');
      std::string_view na = za == std::string_view::npos ? std::string_view() : da.substr(za);
      std::string_view nb = zb == std::string_view::npos ? std::string_view() : db.substr(zb);
      if (na.size() != nb.size()) return na.size() < nb.size() ? -1 : 1;
      if (int c = na.compare(nb); c != 0) return c < 0 ? -1 : 1;
    } else {
      auto ca = static_cast<unsigned char>(a[i]), cb = static_cast<unsigned char>(b[j]);
      if (ca != cb) return ca < cb ? -1 : 1;
      ++i;
      ++j;
    }
  }
  if (i < a.size()) return 1;
  if (j < b.size()) return -1;
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}
}  // namespace

bool class_name_less(std::string_view a, std::string_view b, ClassOrder order) {
  if (order == ClassOrder::natural) return natural_compare(a, b) < 0;
  // std::string_view compares with char_traits<char>::compare, which is memcmp: unsigned byte
  // order, the same as Python's sorted() on UTF-8 text for code points.
  return a < b;
}

ClassIndex::ClassIndex(std::vector<std::string> names) : names_(std::move(names)) {
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (names_[i].empty())
      throw DataError(fmt::format("class name at index {} is empty; expected a non-empty name", i));
    auto [it, inserted] = index_.emplace(names_[i], static_cast<int32_t>(i));
    if (!inserted)
      throw DataError(fmt::format("class '{}' appears twice (indices {} and {}); expected unique class names",
                                  names_[i], it->second, i));
  }
}

ClassIndex ClassIndex::sorted(std::vector<std::string> names, ClassOrder order) {
  std::sort(names.begin(), names.end(),
            [order](const std::string& a, const std::string& b) { return class_name_less(a, b, order); });
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return ClassIndex(std::move(names));
}

std::optional<int32_t> ClassIndex::find(std::string_view name) const {
  auto it = index_.find(std::string(name));
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

int32_t ClassIndex::index_of(std::string_view name) const {
  if (auto i = find(name)) return *i;
  throw DataError(fmt::format("class '{}' is not in the class index; expected one of: {}", name,
                              fmt::join(names_, ", ")));
}

const std::string& ClassIndex::name_of(int32_t i) const {
  if (i < 0 || i >= size())
    throw DataError(fmt::format("class index '{}' is out of range; expected 0..{}", i, size() - 1));
  return names_[static_cast<std::size_t>(i)];
}

void ClassIndex::require_compatible(const ClassIndex& other) const {
  std::vector<std::string> missing, extra, moved;
  for (const auto& n : names_) {
    auto j = other.find(n);
    if (!j) missing.push_back(n);
    else if (*j != index_of(n)) moved.push_back(fmt::format("'{}' is {} here but {} there", n, index_of(n), *j));
  }
  for (const auto& n : other.names_)
    if (!find(n)) extra.push_back(n);
  if (missing.empty() && extra.empty() && moved.empty()) return;
  std::string msg = "class indices are not compatible";
  if (!missing.empty()) msg += fmt::format("; missing classes: {}", fmt::join(missing, ", "));
  if (!extra.empty()) msg += fmt::format("; extra classes: {}", fmt::join(extra, ", "));
  if (!moved.empty()) msg += fmt::format("; different indices: {}", fmt::join(moved, ", "));
  msg += "; expected the same class names at the same indices (load the saved mapping with --class-indices)";
  throw DataError(msg);
}

}  // namespace classflow
