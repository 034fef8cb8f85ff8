// classflow CLI: writing tensors as NumPy .npy files (format version 1.0, loadable by numpy.load).
#pragma once

#include <classflow/batch.hpp>

#include <string>

namespace classflow::cli {

/// Writes `t` to `path` as a little-endian C-order .npy file. @throws DataError naming the path.
void write_npy(const std::string& path, const Tensor& t);

}  // namespace classflow::cli
