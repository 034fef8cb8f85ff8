/* classflow plugin ABI: the pure-C waist of the hourglass.
 *
 * Everything that crosses a shared-library boundary is declared here and is plain C (C99):
 * no C++ type, exception or allocation crosses it. Rules (after ONNX Runtime's C API guidelines):
 *  - the side that allocates frees: output buffers are allocated by the caller (the host);
 *  - every struct begins with `struct_size` so fields can be appended without breaking old
 *    plugins; function tables only grow at the end;
 *  - strings are NUL-terminated UTF-8 `const char*`; a string a plugin returns in a vtable or
 *    descriptor lives as long as the library is loaded;
 *  - errors are reported through a caller-owned `cf_status` and a non-zero return code.
 *
 * A plugin exports exactly one symbol, `classflow_plugin_entry_v1` (see bottom), returning a
 * descriptor the host checks before calling anything else (after LLVM's PassPluginLibraryInfo).
 */
#ifndef CLASSFLOW_SDK_ABI_H
#define CLASSFLOW_SDK_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** ABI major version: a plugin is loaded only if its major equals the host's. */
#define CF_ABI_VERSION_MAJOR 1
/** ABI minor version: a plugin is loaded only if its minor is not newer than the host's.
 *  1.1 added the transform kind (cf_transform_vtable, cf_host.add_transform), append-only:
 *  plugins built for 1.0 load unchanged. 1.2 appended the source colour model to cf_image_info
 *  (source_color, source_alpha, source_bits; read by `classflow check`): a 1.0/1.1 plugin leaves
 *  them 0 (unknown), and a 1.2 plugin writes them only when the host's struct_size covers them. */
#define CF_ABI_VERSION_MINOR 2

/** Name of the single exported entry point. */
#define CF_PLUGIN_ENTRY_SYMBOL "classflow_plugin_entry_v1"

#if defined(_WIN32)
#define CF_PLUGIN_EXPORT __declspec(dllexport)
#else
#define CF_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/** Return codes of every ABI function. 0 is success. */
typedef enum cf_status_code {
  CF_OK = 0,
  CF_ERROR_INVALID_ARGUMENT = 1, /**< bad option or argument value (the host reports a usage error) */
  CF_ERROR_DATA = 2,             /**< bad input data: corrupt image, malformed row, binary with 3 classes */
  CF_ERROR_UNSUPPORTED = 3,      /**< valid request this plugin cannot serve for this input (a data error) */
  CF_ERROR_INTERNAL = 4          /**< any other failure, including a caught C++ exception */
} cf_status_code;

/** Size of the message buffer in cf_status, bytes including the terminating NUL. */
#define CF_STATUS_MESSAGE_SIZE 2048

/** Caller-allocated error report. The callee writes a NUL-terminated UTF-8 message on error. */
typedef struct cf_status {
  size_t struct_size;
  int32_t code;                          /**< a cf_status_code */
  char message[CF_STATUS_MESSAGE_SIZE];  /**< truncated to fit; always NUL-terminated */
} cf_status;

/** Element types of tensors exchanged over the ABI. */
typedef enum cf_dtype {
  CF_DTYPE_UINT8 = 1,
  CF_DTYPE_UINT16 = 2,
  CF_DTYPE_INT32 = 3,
  CF_DTYPE_INT64 = 4,
  CF_DTYPE_FLOAT32 = 5
} cf_dtype;

/** Maximum rank of a cf_tensor_desc. */
#define CF_MAX_NDIM 8

/** Shape and element type of a dense row-major tensor. A rank-0 tensor is a scalar. */
typedef struct cf_tensor_desc {
  size_t struct_size;
  int32_t dtype;                /**< a cf_dtype */
  int32_t ndim;                 /**< 0..CF_MAX_NDIM */
  int64_t shape[CF_MAX_NDIM];   /**< first ndim entries are used */
} cf_tensor_desc;

/** One `key=value` option (from `--encoder-opt key=value` and similar flags). */
typedef struct cf_option {
  const char* key;
  const char* value;
} cf_option;

/* ------------------------------------------------------------------------------------------ */
/* Label encoders                                                                             */

/** What an encoder is created with. Valid only during the create call; copy what you keep. */
typedef struct cf_encoder_config {
  size_t struct_size;
  int32_t num_classes;               /**< K, >= 0 */
  const char* const* class_names;    /**< [K] names in index order */
  const cf_option* options;          /**< [num_options] */
  size_t num_options;
} cf_encoder_config;

/** Class ids of N samples. Sample i owns class_ids[offsets[i] .. offsets[i+1]). */
typedef struct cf_label_batch {
  size_t struct_size;
  int64_t num_samples;          /**< N */
  const int32_t* class_ids;     /**< [offsets[N]] indices into the class index */
  const int64_t* offsets;       /**< [N + 1], offsets[0] == 0, non-decreasing */
  const float* values;          /**< [N, values_per_sample] numeric targets (raw), or NULL */
  int64_t values_per_sample;    /**< M, 0 when values is NULL */
} cf_label_batch;

/** How to turn a prediction row back into classes. */
typedef struct cf_decode_options {
  size_t struct_size;
  int32_t top_k;        /**< number of results wanted, >= 1 */
  int32_t has_threshold;/**< non-zero when threshold is set */
  double threshold;     /**< score >= threshold selects a class (binary, multi-label) */
} cf_decode_options;

/** One decoded class with its score. */
typedef struct cf_decoded_class {
  int32_t class_id;
  float score;
} cf_decoded_class;

/** A label-encoder kind. Instances are opaque `void*` made by create and freed by destroy. */
typedef struct cf_encoder_vtable {
  size_t struct_size;
  const char* name;         /**< class_mode name, e.g. "categorical"; unique per kind */
  const char* description;  /**< one line: dtype, shape and constraint */
  int32_t (*create)(const cf_encoder_config* config, void** out_instance, cf_status* status);
  void (*destroy)(void* instance);
  /** Per-sample label shape and dtype, e.g. float32 [K] (categorical) or int32 [] (sparse). */
  int32_t (*label_desc)(void* instance, cf_tensor_desc* out, cf_status* status);
  /** Writes N labels into out ([N, label shape], out_bytes long, caller-allocated). */
  int32_t (*encode)(void* instance, const cf_label_batch* batch, void* out, size_t out_bytes,
                    cf_status* status);
  /** Decodes one prediction row of `width` float scores into at most `capacity` classes,
   *  best first; writes their count to out_count. */
  int32_t (*decode)(void* instance, const float* row, int64_t width,
                    const cf_decode_options* options, cf_decoded_class* out, int32_t capacity,
                    int32_t* out_count, cf_status* status);
} cf_encoder_vtable;

/* ------------------------------------------------------------------------------------------ */
/* Image decoders                                                                             */

/** What the host asks of a decoder. */
typedef struct cf_decode_request {
  size_t struct_size;
  int32_t min_width;         /**< the decoder may downscale (e.g. JPEG DCT scaling) but never */
  int32_t min_height;        /**< below these; 0 = full size. They describe the upright image: a
                                  decoder reporting orientation 5..8 swaps them for its pixels */
  int32_t apply_orientation; /**< non-zero: apply EXIF orientation (if the decoder does it) */
  int32_t keep_16bit;        /**< non-zero: 16-bit input stays uint16 instead of scaled to 8 bit */
} cf_decode_request;

/** What a decoder will produce for a request, known from the header alone. */
typedef struct cf_image_info {
  size_t struct_size;
  int32_t width;          /**< stored image width, pixels (before any scaling) */
  int32_t height;         /**< stored image height, pixels */
  int32_t out_width;      /**< width of the buffer decode writes */
  int32_t out_height;     /**< height of the buffer decode writes */
  int32_t out_channels;   /**< 1 (gray), 3 (RGB) or 4 (RGBA), interleaved */
  int32_t out_dtype;      /**< CF_DTYPE_UINT8, or CF_DTYPE_UINT16 with keep_16bit */
  int32_t orientation;    /**< EXIF orientation 1..8 still to apply to the output (1 = none) */
  /* ABI 1.2: what the file stores, before any conversion (0 = unknown, e.g. a 1.1 plugin). */
  int32_t source_color;   /**< a cf_color_model value */
  int32_t source_alpha;   /**< 1: the file has an alpha channel or transparency; 0 none / unknown */
  int32_t source_bits;    /**< bits per stored sample (1, 2, 4, 8, 16, ...); 0 unknown */
} cf_image_info;

/** The colour model an image file stores (cf_image_info.source_color). */
typedef enum cf_color_model {
  CF_COLOR_UNKNOWN = 0,
  CF_COLOR_GRAY = 1,     /**< one luminance sample per pixel */
  CF_COLOR_RGB = 2,      /**< RGB, or YCbCr (JPEG) */
  CF_COLOR_PALETTE = 3,  /**< indexed colour */
  CF_COLOR_CMYK = 4      /**< CMYK or YCCK (Adobe JPEG) */
} cf_color_model;

/** An image-decoder kind. Decoders are stateless and must be safe to call from many threads. */
typedef struct cf_decoder_vtable {
  size_t struct_size;
  const char* name;
  const char* description;
  /** NULL-terminated list of lower-case extensions with the dot, e.g. {".jpg", ".jpeg", NULL}. */
  const char* const* extensions;
  /** Non-zero when the first `size` bytes (at most 64 are given) start a file it decodes. */
  int32_t (*sniff)(const uint8_t* data, size_t size);
  /** Reads only the header: fills info for this request. */
  int32_t (*plan)(const uint8_t* data, size_t size, const cf_decode_request* request,
                  cf_image_info* out_info, cf_status* status);
  /** Decodes into out: out_height * out_width * out_channels elements of out_dtype,
   *  row-major interleaved, out_bytes long, caller-allocated; info is what plan returned. */
  int32_t (*decode)(const uint8_t* data, size_t size, const cf_decode_request* request,
                    const cf_image_info* info, void* out, size_t out_bytes, cf_status* status);
} cf_decoder_vtable;

/* ------------------------------------------------------------------------------------------ */
/* Dataset sources                                                                            */

/** Why a path was not made a sample. */
typedef enum cf_skip_reason {
  CF_SKIP_UNSUPPORTED_EXTENSION = 1, /**< detail: the extension, lower case, or "" if none */
  CF_SKIP_HIDDEN = 2,                /**< name starts with '.' */
  CF_SKIP_ROOT_FILE = 3,             /**< a regular file directly in the root (not in a class) */
  CF_SKIP_BROKEN_LINK = 4,           /**< symlink whose target does not exist */
  CF_SKIP_LINK_LOOP = 5,             /**< followed link leads to a folder already visited */
  CF_SKIP_LINK_NOT_FOLLOWED = 6,     /**< symlinked folder and follow_links is off */
  CF_SKIP_MISSING_FILE = 7,          /**< listed (e.g. in a CSV) but absent on disk */
  CF_SKIP_UNREADABLE = 8,            /**< permission or I/O error; detail: the system message */
  CF_SKIP_OTHER = 9
} cf_skip_reason;

/** Callbacks the host gives a source; `context` is passed back unchanged. */
typedef struct cf_scan_sink {
  size_t struct_size;
  void* context;
  /** A class was found (e.g. a class folder), even if it turns out to hold no sample. */
  void (*add_class)(void* context, const char* class_name);
  /** A sample: path relative to the root with '/' separators, and its class names (0..n). */
  void (*add_sample)(void* context, const char* relative_path, const char* const* class_names,
                     size_t num_class_names);
  /** A sample with numeric targets (raw labels) in addition to its class names. */
  void (*add_values)(void* context, const float* values, size_t num_values);
  /** A path that is not a sample, with the reason and a detail (may be ""). */
  void (*add_skipped)(void* context, const char* relative_path, int32_t reason,
                      const char* detail);
  /** The classes given with add_class are already in index order (e.g. CSV label columns):
   *  the core keeps that order instead of sorting (an explicit class list still wins). */
  void (*keep_class_order)(void* context);
  /** Relative sample paths start from this folder (UTF-8), not from the root: e.g. a CSV's
   *  folder or its `directory` option. Default: the root itself. */
  void (*set_base_directory)(void* context, const char* path);
} cf_scan_sink;

/** What the host asks a source to scan. */
typedef struct cf_scan_request {
  size_t struct_size;
  const char* root;                   /**< UTF-8 path of the folder or list file */
  const char* const* extensions;      /**< [num_extensions] lower-case, with dot, decodable */
  size_t num_extensions;
  const char* const* classes;         /**< [num_classes] explicit classes to look at, or none */
  size_t num_classes;
  const cf_option* options;           /**< [num_options] source-specific key=value options */
  size_t num_options;
} cf_scan_request;

/** Source flag: samples must be grouped by class index in the core (folder trees). */
#define CF_SOURCE_GROUP_BY_CLASS 1u

/** A dataset-source kind. */
typedef struct cf_source_vtable {
  size_t struct_size;
  const char* name;
  const char* description;
  uint32_t flags;                     /**< CF_SOURCE_* bits */
  /** Score how well this source handles `root` (0 = not at all); the highest score wins. */
  int32_t (*probe)(const char* root);
  /** Walks the source, reporting through sink; returns non-zero with status on a fatal error. */
  int32_t (*scan)(const cf_scan_request* request, const cf_scan_sink* sink, cf_status* status);
} cf_source_vtable;

/* ------------------------------------------------------------------------------------------ */
/* Transforms (ABI 1.1): per-sample augmentation run on the decode workers                     */

/** Random numbers for one application of one transform to one sample: a counter-based stream
 *  (Philox-4x64) keyed by (seed, epoch, sample index, transform position), so the draws are the
 *  same whatever thread, batch, worker count or resume point runs it. Draw only from here. */
typedef struct cf_random {
  size_t struct_size;
  void* context;
  /** The next 64 random bits of this sample's stream. */
  uint64_t (*next_u64)(void* context);
} cf_random;

/** An image: height x width x channels interleaved, rows `row_bytes` apart. */
typedef struct cf_image_view {
  size_t struct_size;
  int32_t width;
  int32_t height;
  int32_t channels;   /**< 1, 3 or 4 */
  int32_t dtype;      /**< CF_DTYPE_UINT8 (0..255) or CF_DTYPE_FLOAT32 (0..255 scale) */
  int64_t row_bytes;
  void* data;
} cf_image_view;

/** When a transform runs. */
typedef enum cf_transform_stage {
  CF_TRANSFORM_BEFORE_RESIZE = 1, /**< on the decoded image (any size; e.g. a random crop) */
  CF_TRANSFORM_AFTER_RESIZE = 2   /**< on the target_size image, as Keras ImageDataGenerator */
} cf_transform_stage;

/** What a transform instance is created with. Valid only during create. */
typedef struct cf_transform_config {
  size_t struct_size;
  const cf_option* options;   /**< [num_options] key=value (e.g. rotation_range=20) */
  size_t num_options;
  int32_t target_height;      /**< the loader's target_size */
  int32_t target_width;
} cf_transform_config;

/** A transform kind. Instances are immutable after create and called from many threads. */
typedef struct cf_transform_vtable {
  size_t struct_size;
  const char* name;
  const char* description;
  int32_t stage;              /**< a cf_transform_stage */
  int32_t (*create)(const cf_transform_config* config, void** out_instance, cf_status* status);
  void (*destroy)(void* instance);
  /** Writes the transformed `in` into `out`. `out` arrives with in's size, channels and dtype
   *  and a buffer of `out_capacity` bytes; a BEFORE_RESIZE transform may set a smaller or larger
   *  width/height (and row_bytes) that fits the capacity; AFTER_RESIZE must keep the size. */
  int32_t (*apply)(void* instance, const cf_image_view* in, cf_image_view* out, size_t out_capacity,
                   const cf_random* random, cf_status* status);
} cf_transform_vtable;

/* ------------------------------------------------------------------------------------------ */
/* Registration                                                                               */

/** The host's registration table, passed to a plugin's register function.
 *  Each add_* copies nothing: the vtable must live as long as the library is loaded. */
typedef struct cf_host {
  size_t struct_size;
  void* context;
  int32_t abi_major;
  int32_t abi_minor;
  int32_t (*add_encoder)(void* context, const cf_encoder_vtable* vtable, cf_status* status);
  int32_t (*add_decoder)(void* context, const cf_decoder_vtable* vtable, cf_status* status);
  int32_t (*add_source)(void* context, const cf_source_vtable* vtable, cf_status* status);
  /** ABI 1.1. A 1.0 host's cf_host ends before it: check struct_size first. */
  int32_t (*add_transform)(void* context, const cf_transform_vtable* vtable, cf_status* status);
} cf_host;

/** What `classflow_plugin_entry_v1` returns; static storage in the plugin. */
typedef struct cf_plugin_descriptor {
  size_t struct_size;
  int32_t abi_major;          /**< CF_ABI_VERSION_MAJOR the plugin was built with */
  int32_t abi_minor;          /**< CF_ABI_VERSION_MINOR the plugin was built with */
  const char* name;           /**< plugin (library) name, e.g. "classflow_encoder_binary" */
  const char* version;        /**< the plugin's own version, e.g. "1.0.0" */
  const char* license;        /**< SPDX identifier */
  const char* description;    /**< one line */
  /** Called once by the host after the descriptor is accepted; registers the kinds. */
  int32_t (*register_plugin)(const cf_host* host, cf_status* status);
} cf_plugin_descriptor;

/** Signature of the entry point every plugin exports as CF_PLUGIN_ENTRY_SYMBOL. */
typedef const cf_plugin_descriptor* (*cf_plugin_entry_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* CLASSFLOW_SDK_ABI_H */
