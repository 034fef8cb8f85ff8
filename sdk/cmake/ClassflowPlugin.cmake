# classflow_add_plugin(<kind> <name> SOURCES <files...> [LINK <targets...>] [OUTPUT_DIRECTORY <dir>]
#                      [INSTALL])
#
# Builds the plugin library `classflow_<kind>_<name>` (a MODULE, no "lib" prefix) against
# classflow::sdk, with hidden symbols so only the entry point is exported. <kind> is one of
# source, decoder, encoder. INSTALL puts it where the installed core looks:
# <libdir>/classflow/plugins.
function(classflow_add_plugin kind name)
  cmake_parse_arguments(ARG "INSTALL" "OUTPUT_DIRECTORY" "SOURCES;LINK" ${ARGN})
  if(NOT kind MATCHES "^(source|decoder|encoder|transform)$")
    message(FATAL_ERROR "classflow_add_plugin: kind '${kind}' is unknown; expected one of: source, decoder, encoder, transform")
  endif()
  set(target classflow_${kind}_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  if(TARGET classflow::sdk)
    target_link_libraries(${target} PRIVATE classflow::sdk ${ARG_LINK})
  else()
    message(FATAL_ERROR "classflow_add_plugin: classflow::sdk not found; call find_package(classflow) first")
  endif()
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${target}
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_compile_features(${target} PRIVATE cxx_std_17)
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
  elseif(DEFINED CLASSFLOW_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${CLASSFLOW_PLUGIN_OUTPUT_DIR}")
  endif()
  if(ARG_INSTALL)
    include(GNUInstallDirs)
    install(TARGETS ${target} LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}/classflow/plugins" COMPONENT runtime)
  endif()
endfunction()
