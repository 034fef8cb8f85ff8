// Private to the built-in plugins (header-only, C++17, needs libexif): the EXIF orientation
// lookup the jpeg and png decoders share. Not part of the SDK: it ties its user to libexif.
#pragma once

#include <libexif/exif-data.h>

namespace classflow::plugins::common {

/// The IFD0 Orientation tag (0x0112) of an Exif block of `size` bytes that starts with the
/// "Exif\0\0" header (a JPEG APP1 payload), or 1 when libexif cannot read it, the tag is
/// absent or not a SHORT, or its value is not 1..8. Reads `exif_block`; does not keep it.
inline int exif_block_orientation(const unsigned char* exif_block, unsigned int size) {
  ExifData* exif = exif_data_new_from_data(exif_block, size);
  if (exif == nullptr) return 1;
  int orientation = 1;
  ExifEntry* entry = exif_content_get_entry(exif->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
  if (entry != nullptr && entry->format == EXIF_FORMAT_SHORT && entry->components >= 1 && entry->data != nullptr &&
      entry->size >= 2) {
    const int value = exif_get_short(entry->data, exif_data_get_byte_order(exif));
    if (value >= 1 && value <= 8) orientation = value;
  }
  exif_data_unref(exif);
  return orientation;
}

}  // namespace classflow::plugins::common
