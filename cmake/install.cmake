# Installs the core, the CLI, the SDK headers, the built-in plugins and a CMake package so that
# `find_package(classflow)` gives classflow::sdk, classflow::core and classflow_add_plugin().
# Components: runtime (the core library and the built-in plugins), cli, dev (headers, CMake
# package), python (the Python package, python/CMakeLists.txt); pip installs runtime + python.
include(CMakePackageConfigHelpers)
set(CLASSFLOW_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/classflow")

install(TARGETS classflow_sdk classflow_core EXPORT classflowTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT dev
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS classflow_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT cli)
install(DIRECTORY sdk/include/ core/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
install(EXPORT classflowTargets NAMESPACE classflow:: DESTINATION ${CLASSFLOW_CMAKE_DIR} COMPONENT dev)
configure_package_config_file(cmake/classflowConfig.cmake.in
  "${PROJECT_BINARY_DIR}/classflowConfig.cmake" INSTALL_DESTINATION ${CLASSFLOW_CMAKE_DIR})
write_basic_package_version_file("${PROJECT_BINARY_DIR}/classflowConfigVersion.cmake"
  COMPATIBILITY SameMajorVersion)
install(FILES "${PROJECT_BINARY_DIR}/classflowConfig.cmake"
  "${PROJECT_BINARY_DIR}/classflowConfigVersion.cmake" sdk/cmake/ClassflowPlugin.cmake
  DESTINATION ${CLASSFLOW_CMAKE_DIR} COMPONENT dev)
