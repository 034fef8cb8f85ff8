# The installed package as a user meets it (after {fmt}'s find-package-test): stage an install,
# build each example against it with find_package(classflow), and run what they built.
# Included from tests/CMakeLists.txt. Needs a full build first (the stage installs it).
set(_cf_stage "${PROJECT_BINARY_DIR}/stage")
set(_cf_stage_cli "${_cf_stage}/${CMAKE_INSTALL_BINDIR}/classflow")
set(_cf_examples_bin "${PROJECT_BINARY_DIR}/examples")
set(_cf_examples_data "${PROJECT_BINARY_DIR}/examples/data")

add_test(NAME examples:stage_install
  COMMAND ${CMAKE_COMMAND} --install "${PROJECT_BINARY_DIR}" --prefix "${_cf_stage}")
set_tests_properties(examples:stage_install PROPERTIES FIXTURES_SETUP classflow_stage)

# Same compiler and build type as this tree; sanitized builds need the runtime at link time too.
set(_cf_example_options "-DCMAKE_PREFIX_PATH=${_cf_stage}" "-DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE}"
  "-DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}")
if(CLASSFLOW_SANITIZE)
  list(APPEND _cf_example_options "-DCMAKE_CXX_FLAGS=-fsanitize=${CLASSFLOW_SANITIZE}"
    "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=${CLASSFLOW_SANITIZE}"
    "-DCMAKE_MODULE_LINKER_FLAGS=-fsanitize=${CLASSFLOW_SANITIZE}")
endif()

foreach(_example IN ITEMS custom_encoder custom_transform embed_core)
  # --build-options takes every remaining argument, so it comes last.
  add_test(NAME examples:${_example}:build
    COMMAND ${CMAKE_CTEST_COMMAND} --build-and-test
      "${PROJECT_SOURCE_DIR}/examples/${_example}" "${_cf_examples_bin}/${_example}"
      --build-generator "${CMAKE_GENERATOR}"
      --build-makeprogram "${CMAKE_MAKE_PROGRAM}"
      --build-options ${_cf_example_options})
  set_tests_properties(examples:${_example}:build PROPERTIES
    FIXTURES_REQUIRED classflow_stage FIXTURES_SETUP classflow_example_${_example})
endforeach()

# The installed CLI lists the third-party encoder, and refuses nothing it installed itself.
# (PASS_REGULAR_EXPRESSION ignores the exit code, hence the FAIL expression.)
add_test(NAME examples:custom_encoder:listed
  COMMAND "${_cf_stage_cli}" plugins --plugin-dir "${_cf_examples_bin}/custom_encoder")
set_tests_properties(examples:custom_encoder:listed PROPERTIES
  FIXTURES_REQUIRED "classflow_stage;classflow_example_custom_encoder"
  ENVIRONMENT "CLASSFLOW_PLUGIN_PATH="
  PASS_REGULAR_EXPRESSION "encoder +ordinal +1\\.0\\.0 +1\\.2 "
  FAIL_REGULAR_EXPRESSION "refused \\([1-9]")

# ...and decodes with it: class = number of scores >= 0.5, score = their mean.
file(WRITE "${_cf_examples_data}/ordinal_class_names.json" "[\"none\", \"mild\", \"moderate\", \"severe\"]\n")
file(WRITE "${_cf_examples_data}/ordinal_predictions.csv" "0.9,0.6,0.2\n0.1,0.2,0.3\n0.5,0.5,0.5\n")
add_test(NAME examples:custom_encoder:decode
  COMMAND "${_cf_stage_cli}" decode --plugin-dir "${_cf_examples_bin}/custom_encoder"
    --class-indices "${_cf_examples_data}/ordinal_class_names.json" --class-mode ordinal
    "${_cf_examples_data}/ordinal_predictions.csv")
set_tests_properties(examples:custom_encoder:decode PROPERTIES
  FIXTURES_REQUIRED "classflow_stage;classflow_example_custom_encoder"
  ENVIRONMENT "CLASSFLOW_PLUGIN_PATH="
  PASS_REGULAR_EXPRESSION "row,class_name,score\n0,moderate,0\\.75\n1,none,0\\.7\n2,severe,0\\.5\n")

# The embedding app finds the installed plugins next to the installed core, and prints the
# bundled digits' mapping (178 + 182 + ... = 1797 PNGs; ATTRIBUTION.md in the root is no sample).
add_test(NAME examples:embed_core:run
  COMMAND "${_cf_examples_bin}/embed_core/embed_core" "${PROJECT_SOURCE_DIR}/examples/data/digits")
set_tests_properties(examples:embed_core:run PROPERTIES
  FIXTURES_REQUIRED "classflow_stage;classflow_example_embed_core"
  ENVIRONMENT "CLASSFLOW_PLUGIN_PATH="
  PASS_REGULAR_EXPRESSION "^Found 1797 images belonging to 10 classes\\.
0 0 178
1 1 182
2 2 177
3 3 183
4 4 181
5 5 182
6 6 181
7 7 179
8 8 174
9 9 180
$")

# ...and scans with it: the third-party encoder checks its class count and shapes the labels.
add_test(NAME examples:custom_encoder:scan
  COMMAND "${_cf_stage_cli}" scan "${PROJECT_SOURCE_DIR}/examples/data/digits" --classes 0,1,2
    --class-mode ordinal --plugin-dir "${_cf_examples_bin}/custom_encoder")
set_tests_properties(examples:custom_encoder:scan PROPERTIES
  FIXTURES_REQUIRED "classflow_stage;classflow_example_custom_encoder"
  ENVIRONMENT "CLASSFLOW_PLUGIN_PATH="
  PASS_REGULAR_EXPRESSION "class_mode: ordinal \\(labels float32 \\[N, 2\\]\\)")

# The out-of-tree transform is listed, and runs through `--transform` with its option: the same
# batches with 1 and 3 workers (its draws come from the host's counter-based stream).
add_test(NAME examples:custom_transform:listed
  COMMAND "${_cf_stage_cli}" plugins --plugin-dir "${_cf_examples_bin}/custom_transform")
set_tests_properties(examples:custom_transform:listed PROPERTIES
  FIXTURES_REQUIRED "classflow_stage;classflow_example_custom_transform"
  ENVIRONMENT "CLASSFLOW_PLUGIN_PATH="
  PASS_REGULAR_EXPRESSION "transform +cutout +1\\.0\\.0 +1\\.2 "
  FAIL_REGULAR_EXPRESSION "refused \\([1-9]")
foreach(_w 1 3)
  # (the export folder must be new: removed first, so the test can run again)
  add_test(NAME examples:custom_transform:flow_workers_${_w}
    COMMAND sh -c "rm -rf \"$1\" && exec \"$0\" flow \"$2\" --plugin-dir \"$3\" --transform cutout:size=4,fill=255 \
--target-size 8x8 --num-workers $4 --batch-size 200 --dtype uint8 --export \"$1\""
      "${_cf_stage_cli}" "${_cf_examples_bin}/cutout_w${_w}" "${PROJECT_SOURCE_DIR}/examples/data/digits"
      "${_cf_examples_bin}/custom_transform" ${_w})
  set_tests_properties(examples:custom_transform:flow_workers_${_w} PROPERTIES
    FIXTURES_REQUIRED "classflow_stage;classflow_example_custom_transform" FIXTURES_SETUP cutout_export_${_w}
    ENVIRONMENT "CLASSFLOW_PLUGIN_PATH=")
endforeach()
add_test(NAME examples:custom_transform:same_batches
  COMMAND ${CMAKE_COMMAND} -E compare_files "${_cf_examples_bin}/cutout_w1/images_00004.npy"
          "${_cf_examples_bin}/cutout_w3/images_00004.npy")
set_tests_properties(examples:custom_transform:same_batches PROPERTIES FIXTURES_REQUIRED "cutout_export_1;cutout_export_3")
