// The .npy header is specified by NumPy (numpy/lib/format.py): magic, version, a Python-literal
// dict padded with spaces to a multiple of 64 bytes, then the raw data.
#include "npy.hpp"

#include <classflow/atomic_file.hpp>
#include <classflow/error.hpp>

#include <fmt/format.h>


namespace classflow::cli {

namespace {
const char* descr(sdk::DType t) {
  switch (t) {
    case sdk::DType::uint8: return "|u1";
    case sdk::DType::uint16: return "<u2";
    case sdk::DType::int32: return "<i4";
    case sdk::DType::int64: return "<i8";
    case sdk::DType::float32: return "<f4";
  }
  return "|u1";
}
}  // namespace

void write_npy(const std::string& path, const Tensor& t) {
  std::string shape;
  for (auto d : t.shape) shape += std::to_string(d) + ", ";
  if (t.shape.size() > 1) shape.erase(shape.size() - 2);  // (3,) keeps its comma, (2, 3) does not
  else if (t.shape.size() == 1) shape.pop_back();
  std::string dict = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", descr(t.dtype), shape);
  std::size_t total = 10 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  // Whole or not at all: a full disk is an error naming the file, never a 0-byte .npy.
  AtomicFile out(path, "export file");
  out.write("\x93NUMPY\x01\x00", 8);
  auto len = static_cast<uint16_t>(dict.size());
  char le[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
  out.write(le, 2);
  out.write(dict);
  out.write(t.data.data(), t.data.size());
  out.commit();
}

}  // namespace classflow::cli
