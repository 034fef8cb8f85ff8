// classflow core: the class-name <-> index mapping, the product's central object.
#pragma once

#include <classflow/export.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace classflow {

/// How discovered class names are ordered into indices.
enum class ClassOrder {
  bytes,    ///< UTF-8 byte order = Python `sorted` (Keras, torchvision): "1","10","2"; "Bee","Cat","ant"
  natural,  ///< digit runs compare as numbers: "1","2","10"; ties fall back to byte order
};

/// Parses "bytes" | "natural". @throws UsageError listing the valid choices.
CLASSFLOW_CORE_API ClassOrder parse_class_order(std::string_view text);

/// Ordered, duplicate-free class names; index i is the i-th name. Immutable once built.
/// Same meaning as Keras `class_indices` (name -> index) and its inverse (index -> name).
class CLASSFLOW_CORE_API ClassIndex {
 public:
  /// An empty index (0 classes).
  ClassIndex() = default;
  /// Keeps the given order: names[i] gets index i (Keras `classes=[...]`).
  /// @throws DataError when a name is empty or appears twice, naming it.
  explicit ClassIndex(std::vector<std::string> names);
  /// Sorts `names` by `order` and removes duplicates. @throws DataError for an empty name.
  static ClassIndex sorted(std::vector<std::string> names, ClassOrder order = ClassOrder::bytes);

  /// Number of classes K.
  int32_t size() const noexcept { return static_cast<int32_t>(names_.size()); }
  bool empty() const noexcept { return names_.empty(); }
  /// Index of `name`, or nullopt when absent.
  std::optional<int32_t> find(std::string_view name) const;
  /// Index of `name`. @throws DataError naming the class and listing the known ones.
  int32_t index_of(std::string_view name) const;
  /// Name of index `i`. @throws DataError when i is outside [0, K).
  const std::string& name_of(int32_t i) const;
  /// Names in index order (Keras 3 `class_names`).
  const std::vector<std::string>& class_names() const noexcept { return names_; }

  /// @throws DataError when `other` (e.g. a test split) differs: names the classes missing from
  /// `other`, the extra ones, and the ones whose index differs.
  void require_compatible(const ClassIndex& other) const;

  bool operator==(const ClassIndex& other) const { return names_ == other.names_; }

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, int32_t> index_;
};

/// Compares two names in `order`; true when a sorts before b.
CLASSFLOW_CORE_API bool class_name_less(std::string_view a, std::string_view b, ClassOrder order);

}  // namespace classflow
