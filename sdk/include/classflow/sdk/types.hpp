// classflow SDK: value types shared by all plugin kinds (C++17, header-only).
#pragma once

#include <classflow/sdk/abi.h>
#include <classflow/sdk/error.hpp>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace classflow::sdk {
inline namespace v1 {

/// Element type of a tensor; values equal cf_dtype.
enum class DType : int32_t {
  uint8 = CF_DTYPE_UINT8,
  uint16 = CF_DTYPE_UINT16,
  int32 = CF_DTYPE_INT32,
  int64 = CF_DTYPE_INT64,
  float32 = CF_DTYPE_FLOAT32,
};

/// Size of one element of `dtype`, bytes. @throws InvalidArgument for an unknown dtype.
inline std::size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::uint8: return 1;
    case DType::uint16: return 2;
    case DType::int32: return 4;
    case DType::int64: return 8;
    case DType::float32: return 4;
  }
  throw InvalidArgument("dtype '" + std::to_string(static_cast<int>(dtype)) +
                        "' is unknown; expected a cf_dtype value");
}

/// NumPy-style name of `dtype` ("uint8", "float32", ...).
inline const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::uint8: return "uint8";
    case DType::uint16: return "uint16";
    case DType::int32: return "int32";
    case DType::int64: return "int64";
    case DType::float32: return "float32";
  }
  return "unknown";
}

/// Shape and dtype of a dense row-major tensor; `shape` empty means a scalar.
struct TensorDesc {
  DType dtype = DType::float32;
  std::vector<int64_t> shape;

  /// Number of elements (1 for a scalar).
  int64_t num_elements() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  /// Bytes of one tensor of this description.
  std::size_t num_bytes() const {
    return static_cast<std::size_t>(num_elements()) * dtype_size(dtype);
  }
};

/// `key=value` options given to a plugin (e.g. `--encoder-opt label_smoothing=0.1`).
/// Parsing helpers throw InvalidArgument naming the option, the value and what was expected.
class Options {
 public:
  Options() = default;
  /// Copies [n] options from the ABI.
  Options(const cf_option* options, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) items_.emplace_back(options[i].key, options[i].value);
  }
  /// True if `key` was given.
  bool has(const std::string& key) const { return find(key) != nullptr; }
  /// The value of `key`, or `fallback` when absent.
  std::string get(const std::string& key, const std::string& fallback = "") const {
    const std::string* v = find(key);
    return v ? *v : fallback;
  }
  /// `key` as a finite double. @throws InvalidArgument when it is not a number.
  double get_double(const std::string& key, double fallback) const {
    const std::string* v = find(key);
    if (!v) return fallback;
    char* end = nullptr;
    errno = 0;
    double d = std::strtod(v->c_str(), &end);
    if (v->empty() || *end != '\0' || errno == ERANGE)
      throw InvalidArgument("option '" + key + "' value '" + *v + "' is not a number; expected e.g. " +
                            key + "=0.1");
    return d;
  }
  /// `key` as an integer. @throws InvalidArgument when it is not an integer.
  long long get_int(const std::string& key, long long fallback) const {
    const std::string* v = find(key);
    if (!v) return fallback;
    char* end = nullptr;
    errno = 0;
    long long i = std::strtoll(v->c_str(), &end, 10);
    if (v->empty() || *end != '\0' || errno == ERANGE)
      throw InvalidArgument("option '" + key + "' value '" + *v +
                            "' is not an integer; expected e.g. " + key + "=1");
    return i;
  }
  /// `key` as a boolean given as "1"/"0"/"true"/"false", or `fallback` when absent.
  /// @throws InvalidArgument naming the option and its value otherwise.
  bool get_bool(const std::string& key, bool fallback) const {
    const std::string* v = find(key);
    if (!v) return fallback;
    if (*v == "1" || *v == "true") return true;
    if (*v == "0" || *v == "false") return false;
    throw InvalidArgument("option '" + key + "' value '" + *v + "' is not a boolean; expected one of: 1, 0, true, false");
  }
  /// @throws InvalidArgument if any given key is not in `known`, listing the valid keys.
  void require_known(const std::string& owner, std::initializer_list<const char*> known) const {
    for (const auto& kv : items_) {
      bool ok = false;
      for (const char* k : known) ok = ok || kv.first == k;
      if (ok) continue;
      std::string list;
      for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      throw InvalidArgument("unknown option '" + kv.first + "' for " + owner + "; expected " +
                            (list.empty() ? std::string("no options") : "one of: " + list));
    }
  }
  /// All options in the order given.
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

 private:
  const std::string* find(const std::string& key) const {
    // The last occurrence wins, so a later flag overrides an earlier one.
    for (auto it = items_.rbegin(); it != items_.rend(); ++it)
      if (it->first == key) return &it->second;
    return nullptr;
  }
  std::vector<std::pair<std::string, std::string>> items_;
};

}  // namespace v1
}  // namespace classflow::sdk
