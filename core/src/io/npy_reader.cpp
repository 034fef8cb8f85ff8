// The .npy format (numpy/lib/format.py): magic, version, a little-endian header length, an ASCII
// dict literal padded with spaces, then the raw data. The header is matched, not evaluated.
#include "io/npy_reader.hpp"

#include <classflow/error.hpp>

#include <fmt/format.h>

#include <cctype>
#include <functional>
#include <cmath>
#include <cstring>
#include <limits>

namespace classflow::detail {

namespace {

constexpr std::string_view kMagic("\x93NUMPY", 6);

// half -> double (IEEE 754 binary16).
double half_to_double(uint16_t h) {
  const int e = (h >> 10) & 0x1f, m = h & 0x3ff;
  const double sign = (h & 0x8000) ? -1.0 : 1.0;
  if (e == 0) return sign * std::ldexp(m, -24);
  if (e == 31) return m ? std::numeric_limits<double>::quiet_NaN() : sign * std::numeric_limits<double>::infinity();
  return sign * std::ldexp(m + 1024, e - 25);
}

struct Header {
  std::string descr;
  bool fortran = false;
  std::vector<int64_t> shape;
};

class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::function<DataError(const std::string&)>& bad) : s_(text), bad_(bad) {}

  Header parse() {
    Header h;
    bool descr = false, order = false, shape = false;
    expect('{');
    while (true) {
      skip();
      if (peek() == '}') break;
      const std::string key = quoted();
      expect(':');
      skip();
      if (key == "descr") {
        h.descr = quoted();
        descr = true;
      } else if (key == "fortran_order") {
        if (word("True")) h.fortran = true;
        else if (word("False")) h.fortran = false;
        else throw bad_("its fortran_order is neither True nor False");
        order = true;
      } else if (key == "shape") {
        h.shape = tuple();
        shape = true;
      } else {
        throw bad_(fmt::format("its header has the unknown key '{}'", key));
      }
      skip();
      if (peek() == ',') ++i_;
    }
    if (!descr || !order || !shape) throw bad_("its header lacks descr, fortran_order or shape");
    return h;
  }

 private:
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void skip() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  void expect(char c) {
    skip();
    if (peek() != c) throw bad_(fmt::format("its header is not the dict numpy.save writes (expected '{}')", c));
    ++i_;
  }
  bool word(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }
  std::string quoted() {
    skip();
    const char q = peek();
    if (q != '\'' && q != '"') throw bad_("its header is not the dict numpy.save writes (expected a quoted string)");
    const std::size_t end = s_.find(q, i_ + 1);
    if (end == std::string_view::npos || end - i_ > 64) throw bad_("its header has an unterminated string");
    std::string out(s_.substr(i_ + 1, end - i_ - 1));
    i_ = end + 1;
    return out;
  }
  std::vector<int64_t> tuple() {
    std::vector<int64_t> dims;
    expect('(');
    while (true) {
      skip();
      if (peek() == ')') {
        ++i_;
        return dims;
      }
      if (!std::isdigit(static_cast<unsigned char>(peek()))) throw bad_("its shape is not a tuple of sizes");
      int64_t v = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        if (v > (std::numeric_limits<int64_t>::max() - 9) / 10) throw bad_("its shape has a size out of range");
        v = v * 10 + (s_[i_++] - '0');
      }
      if (dims.size() >= 32) throw bad_("its shape has more than 32 dimensions");
      dims.push_back(v);
      skip();
      if (peek() == ',') ++i_;
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
  const std::function<DataError(const std::string&)>& bad_;
};

template <class T>
T load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

bool is_npy(std::string_view bytes) { return bytes.substr(0, kMagic.size()) == kMagic; }

NpyArray read_npy(std::string_view bytes, const std::string& origin) {
  const std::function<DataError(const std::string&)> bad = [&](const std::string& why) {
    return DataError(fmt::format("predictions file '{}' is not a readable .npy array: {}; expected what numpy.save "
                                 "writes for a numeric array (e.g. model.predict output)",
                                 origin, why));
  };
  if (!is_npy(bytes) || bytes.size() < 10) throw bad("it is shorter than a .npy header");
  const int major = static_cast<unsigned char>(bytes[6]);
  std::size_t header_len = 0, start = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8;
    start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw bad("it is shorter than a .npy header");
    for (int k = 3; k >= 0; --k) header_len = header_len << 8 | static_cast<unsigned char>(bytes[8 + k]);
    start = 12;
  } else {
    throw bad(fmt::format("its format version {} is unknown (1, 2 and 3 are)", major));
  }
  if (header_len > (std::size_t{1} << 20)) throw bad(fmt::format("its header claims {} bytes", header_len));
  if (bytes.size() < start + header_len) throw bad("its header is cut short");
  const Header h = HeaderParser(bytes.substr(start, header_len), bad).parse();

  // dtype: byte order + kind + size, e.g. '<f4', '|u1'.
  if (h.descr.size() < 3) throw bad(fmt::format("its dtype '{}' is not a plain numeric dtype", h.descr));
  const char order = h.descr[0], kind = h.descr[1];
  const std::string size_text = h.descr.substr(2);
  if (order == '>') throw bad(fmt::format("its dtype '{}' is big-endian", h.descr));
  if (order != '<' && order != '|' && order != '=')
    throw bad(fmt::format("its dtype '{}' is not a plain numeric dtype", h.descr));
  std::size_t item = 0;
  if (size_text == "1") item = 1;
  else if (size_text == "2") item = 2;
  else if (size_text == "4") item = 4;
  else if (size_text == "8") item = 8;
  const bool known = (kind == 'f' && (item == 2 || item == 4 || item == 8)) ||
                     ((kind == 'i' || kind == 'u') && item != 0) || (kind == 'b' && item == 1);
  if (!known) throw bad(fmt::format("its dtype '{}' is not a plain numeric dtype (float, int, uint or bool)", h.descr));

  int64_t count = 1;
  for (int64_t d : h.shape) {
    if (d != 0 && count > std::numeric_limits<int64_t>::max() / 8 / d) throw bad("its shape is too large");
    count *= d;
  }
  const std::string_view data = bytes.substr(start + header_len);
  if (data.size() != static_cast<std::size_t>(count) * item)
    throw bad(fmt::format("its data holds {} bytes where its shape and dtype need {}", data.size(),
                          static_cast<std::size_t>(count) * item));
  NpyArray a;
  a.shape = h.shape;
  a.values.resize(static_cast<std::size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    const char* p = data.data() + static_cast<std::size_t>(i) * item;
    double v = 0;
    switch (kind) {
      case 'f': v = item == 2 ? half_to_double(load<uint16_t>(p)) : item == 4 ? load<float>(p) : load<double>(p); break;
      case 'i':
        v = item == 1 ? load<int8_t>(p) : item == 2 ? load<int16_t>(p) : item == 4 ? load<int32_t>(p)
                                                                                   : static_cast<double>(load<int64_t>(p));
        break;
      case 'u':
        v = item == 1 ? load<uint8_t>(p) : item == 2 ? load<uint16_t>(p) : item == 4 ? load<uint32_t>(p)
                                                                                     : static_cast<double>(load<uint64_t>(p));
        break;
      default: v = load<uint8_t>(p) != 0 ? 1.0 : 0.0; break;
    }
    a.values[static_cast<std::size_t>(i)] = v;
  }
  if (h.fortran && h.shape.size() >= 2) {
    // Column-major on disk: reorder to row-major (2-D, the shape predictions have; higher ranks
    // by the general index map).
    std::vector<double> c(a.values.size());
    const std::size_t rank = h.shape.size();
    std::vector<int64_t> idx(rank, 0);
    for (std::size_t f = 0; f < a.values.size(); ++f) {
      // idx: the multi-index of Fortran offset f (first index fastest).
      std::size_t off = 0;
      for (std::size_t k = 0; k < rank; ++k) off = off * static_cast<std::size_t>(h.shape[k]) + static_cast<std::size_t>(idx[k]);
      c[off] = a.values[f];
      for (std::size_t k = 0; k < rank; ++k) {
        if (++idx[k] < h.shape[k]) break;
        idx[k] = 0;
      }
    }
    a.values.swap(c);
  }
  return a;
}

}  // namespace classflow::detail
