// classflow core: checking datasets before training (corrupt files, duplicates, leaks between
// roots, extension/content mismatches, tiny images, colour models per class).
#pragma once

#include <classflow/dataset.hpp>
#include <classflow/export.hpp>
#include <classflow/loader_options.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace classflow {

class Registry;

/// What check_datasets does beyond reading and hashing every file.
struct CheckOptions {
  bool decode = true;  ///< decode every image (the decoder's reason for a corrupt one); false
                       ///< (`--no-decode`): content hashes and headers only
  std::optional<std::array<int32_t, 2>> target_size;  ///< [H, W]; an image with a side below
                                                      ///< half of it is reported as small
  bool near_duplicates = false;  ///< perceptual hashes (pHash, 64 bits) of every decoded image
  int32_t near_threshold = 6;    ///< pHash Hamming distance <= this is a near-duplicate (0..64)
  int32_t num_workers = 0;       ///< threads, 0..kMaxNumWorkers; 0 = the machine's hardware threads
  int64_t max_image_pixels = kDefaultMaxImagePixels;  ///< larger images are reported, not decoded
};

/// A file of a checked dataset: which root (index into the datasets given), its path relative
/// to that root's base directory, and its class names (empty when label-less).
struct CheckedFile {
  int32_t root = 0;
  std::string path;
  std::vector<std::string> classes;
};

/// A file that cannot be trained on, with the reader's or decoder's reason.
struct CorruptFile {
  CheckedFile file;
  std::string reason;
};

/// A file whose extension no decoder of its content claims (a PNG named `.jpg`).
struct ExtensionMismatch {
  CheckedFile file;
  std::string extension;  ///< lower case with the dot
  std::string content;    ///< the decoder that recognises the bytes ("png")
};

/// An image with a side below half of the target size: it is upscaled more than 2x.
struct SmallImage {
  CheckedFile file;
  int32_t width = 0, height = 0;  ///< upright size, pixels
};

/// What a group of byte-identical files means for training.
enum class DuplicateKind {
  duplicate,  ///< within one root and one class (or label-less): the sample counts twice
  conflict,   ///< within one root under different classes: one picture, two labels
  leak,       ///< in more than one root (e.g. train and test): evaluation sees training data
};

/// Files with the same content (XXH3-128 of the bytes).
struct DuplicateGroup {
  DuplicateKind kind = DuplicateKind::duplicate;
  bool label_conflict = false;  ///< the files carry different classes (always for `conflict`)
  std::string hash;             ///< 32 hex digits
  int64_t bytes = 0;            ///< size of each file
  std::vector<CheckedFile> files;  ///< in dataset order (root, then sample order)
};

/// Two different files whose perceptual hashes are within CheckOptions::near_threshold.
struct NearDuplicate {
  CheckedFile a, b;
  int32_t distance = 0;         ///< Hamming distance of the 64-bit pHashes
  bool cross_root = false;      ///< a and b are in different roots
  bool label_conflict = false;  ///< a and b carry different classes
};

/// Colour models of one class's images, from their headers: gray + rgb + palette + cmyk +
/// unknown + unreadable = images; `alpha` and `high_bit_depth` overlap the others.
struct ColorCounts {
  int64_t images = 0;          ///< samples of the class (multi-label: where it is positive)
  int64_t gray = 0;            ///< grayscale
  int64_t rgb = 0;             ///< RGB / YCbCr
  int64_t palette = 0;         ///< indexed colour
  int64_t cmyk = 0;            ///< CMYK or YCCK
  int64_t alpha = 0;           ///< with an alpha channel or transparency
  int64_t high_bit_depth = 0;  ///< more than 8 bits per sample (16-bit PNG, TIFF)
  int64_t unknown = 0;         ///< the decoder did not say (an ABI 1.0/1.1 plugin)
  int64_t unreadable = 0;      ///< no header could be read (the file is among the corrupt ones)
};

/// What the header of one sample said (0 when it could not be read).
struct ImageHeader {
  int32_t width = 0, height = 0;  ///< upright size, pixels
  int64_t bytes = 0;              ///< file size
};

/// Everything check_datasets found. Lists are sorted by root, then sample order.
struct CLASSFLOW_CORE_API CheckResult {
  std::vector<std::string> roots;                ///< as the datasets give them
  std::vector<std::string> bases;                ///< folder each root's sample paths start from
                                                 ///< (the root; a CSV list's --directory)
  std::vector<std::vector<ImageHeader>> images;  ///< [root][sample]: sizes, for histograms
  std::vector<std::vector<ColorCounts>> colors;  ///< [root][class index]
  std::vector<CorruptFile> corrupt;              ///< unreadable/undecodable, incl. the scan's
  std::vector<ExtensionMismatch> extension_mismatch;
  std::vector<SmallImage> small;
  std::vector<DuplicateGroup> duplicates;        ///< byte-identical groups (>= 2 files)
  std::vector<NearDuplicate> near_duplicates;    ///< only with CheckOptions::near_duplicates
  std::vector<std::string> warnings;             ///< e.g. roots whose class names differ
  bool decoded = true;                           ///< images were decoded (not --no-decode)
  int64_t files = 0;                             ///< samples checked (all, read or not)
  int64_t bytes = 0;                             ///< bytes read
  double seconds = 0;                            ///< wall time of the check

  /// Duplicate groups of one kind.
  int64_t count(DuplicateKind kind) const;
  /// 0 when nothing blocks training; 3 (a data problem, as the CLI's data errors) when a file is
  /// corrupt, a picture carries two labels, or a file is in more than one root.
  int exit_code() const;
};

/// "duplicate" | "conflict" | "leak".
CLASSFLOW_CORE_API const char* duplicate_kind_name(DuplicateKind kind);

/// Every CheckOptions rule that needs no dataset (faces call it before the scan; check_datasets
/// again). @throws UsageError when near_duplicates is asked without decoding, the threshold is
/// outside 0..64, or num_workers outside 0..kMaxNumWorkers.
CLASSFLOW_CORE_API void check_check_options(const CheckOptions& options);

/// Reads every sample of `datasets` once, in parallel (each worker holds one file at a time, so
/// memory stays bounded whatever the dataset size), hashes its bytes (XXH3-128), reads its header
/// and, unless options.decode is false, decodes it with the decoder its magic bytes select.
/// Byte-identical files are grouped and classified (DuplicateKind); datasets are compared as
/// train/valid/test roots. The datasets' skipped unreadable entries and broken links are reported
/// as corrupt too. Results do not depend on the number of workers.
/// Scan warnings (e.g. an empty class) are copied to CheckResult::warnings, naming the root.
/// @throws UsageError as check_check_options, or when one root is given twice. A bad file never
/// throws: it is a finding.
CLASSFLOW_CORE_API CheckResult check_datasets(const Registry& registry, const std::vector<Dataset>& datasets,
                                              const CheckOptions& options = {});

/// The result as the JSON document `classflow check --format json` prints (and Python's
/// classflow.check returns): roots, counts, per-class colour models, every finding with its paths,
/// and `exit_code`. Fields are documented in the README.
CLASSFLOW_CORE_API std::string check_result_json(const CheckResult& result, const std::vector<Dataset>& datasets);

/// 64-bit perceptual hash of an 8-bit image [H, W, C] (C = 1, 3 or 4; row stride `stride`
/// bytes): imagehash.phash's definition — luma as Pillow's convert('L'), a Lanczos resize to
/// 32x32 as Pillow's, the 2-D DCT-II, its top-left 8x8 block compared with its median; bit 63 is
/// coefficient (0, 0), row-major, so the hex digits read as imagehash's string.
CLASSFLOW_CORE_API uint64_t perceptual_hash(const uint8_t* pixels, int32_t height, int32_t width, int32_t channels,
                                            std::size_t stride);

}  // namespace classflow
