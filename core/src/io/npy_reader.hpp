// Reading NumPy .npy arrays (numpy.save): private to the core.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace classflow::detail {

/// True when `bytes` start with the .npy magic ("\x93NUMPY").
bool is_npy(std::string_view bytes);

/// A numeric .npy array: its shape and its values as doubles, in C (row-major) order.
struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<double> values;
};

/// Parses a whole .npy file (format versions 1.0 to 3.0, as numpy.save writes them): dtypes
/// float16/32/64, int8..64, uint8..64 and bool, little-endian or byte-free, C or Fortran order,
/// any rank. The header is read as the restricted dict numpy.save writes ('descr',
/// 'fortran_order', 'shape'), never evaluated. `origin` names the file in messages.
/// @throws DataError "predictions file '<origin>' is not a readable .npy array: <reason>; ..." for
/// a truncated or oversized header, an unknown dtype, a big-endian or structured dtype, object
/// arrays, a data size that differs from the shape's.
NpyArray read_npy(std::string_view bytes, const std::string& origin);

}  // namespace classflow::detail
