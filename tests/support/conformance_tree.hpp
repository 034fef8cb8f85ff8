// Test support: materialises a recorded conformance tree (tests/data/conformance/keras/trees).
#pragma once

#include <string>

namespace classflow::test {

/// Writes every entry of the tree JSON `tree_file` (dirs, base64 files, symlinks) under `root`,
/// byte for byte. @throws std::runtime_error naming the file on a malformed entry.
void materialise_tree(const std::string& tree_file, const std::string& root);

/// Decodes standard base64 text (padding allowed). @throws std::runtime_error on bad input.
std::string base64_decode(const std::string& text);

}  // namespace classflow::test
