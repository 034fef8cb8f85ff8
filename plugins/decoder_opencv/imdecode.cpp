// The one call into OpenCV imgcodecs, in its own library that the 'opencv' decoder loads on its
// first decode (dlopen). imgcodecs pulls in GDAL, GDCM, libde265, OpenEXR and more: a process
// that only ever meets JPEG and PNG should not map them (~45 MiB of RSS and start-up symbol
// binding in every loader process).
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cstddef>
#include <cstdio>

/// `size` bytes decoded as cv::imdecode(IMREAD_UNCHANGED | IMREAD_ANYDEPTH) into `*out` (empty
/// when OpenCV cannot decode them). Returns 0, or 1 with OpenCV's exception text in `error`.
extern "C" __attribute__((visibility("default"))) int classflow_opencv_imdecode(const unsigned char* data,
                                                                                std::size_t size, cv::Mat* out,
                                                                                char* error, std::size_t error_size) {
  try {
    const cv::Mat buffer(1, static_cast<int>(size), CV_8UC1, const_cast<unsigned char*>(data));
    *out = cv::imdecode(buffer, cv::IMREAD_UNCHANGED | cv::IMREAD_ANYDEPTH);
    return 0;
  } catch (const cv::Exception& e) {
    std::snprintf(error, error_size, "%s", e.what());
    return 1;
  }
}
