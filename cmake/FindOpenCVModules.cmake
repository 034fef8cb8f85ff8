# Finds the OpenCV 4 modules classflow uses (core, imgproc, imgcodecs) without the all-modules
# libopencv-dev: Debian's per-module -dev packages ship no CMake config or .pc file.
# Defines imported targets OpenCV::core, OpenCV::imgproc, OpenCV::imgcodecs.
find_path(OpenCVModules_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4)
set(_cf_ocv_vars OpenCVModules_INCLUDE_DIR)
foreach(_m core imgproc imgcodecs)
  find_library(OpenCVModules_${_m}_LIBRARY NAMES opencv_${_m})
  list(APPEND _cf_ocv_vars OpenCVModules_${_m}_LIBRARY)
endforeach()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(OpenCVModules REQUIRED_VARS ${_cf_ocv_vars})
if(OpenCVModules_FOUND)
  foreach(_m core imgproc imgcodecs)
    if(NOT TARGET OpenCV::${_m})
      add_library(OpenCV::${_m} UNKNOWN IMPORTED)
      set_target_properties(OpenCV::${_m} PROPERTIES
        IMPORTED_LOCATION "${OpenCVModules_${_m}_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${OpenCVModules_INCLUDE_DIR}")
    endif()
  endforeach()
endif()
