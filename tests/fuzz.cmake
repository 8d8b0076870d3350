# libFuzzer targets (tests/*_fuzz.cc), built by clang++ directly (the project compiler may be gcc)
# with -fsanitize=fuzzer,address,undefined, and their bounded ctest runs (label fuzz, 20 s each
# with a fixed seed). bench/fuzz.sh runs the long campaign on the same binaries (build/tests/fuzz/).
#   data_fuzz        the dataset readers (CSV, TSV, fastText)
#   hid_fuzz         the HID decoder and editor, the encoder round trip, the capture readers
#   capture_fuzz     hid_fuzz's capture readers only (hex, raw, usbmon and USBPcap pcap/pcapng)
#   tokenize_fuzz    the streaming tokenizers and hashes against the reference tokenizer (with the
#                    integer checks that apply to device code)
#   model_file_fuzz  the host model-file readers (float and int8)
#   image_fuzz       the device runtime: model_open + model_push/_text + model_read, run-time and
#                    static paths (with the integer checks that apply to it)
# Seeds come from tests/fuzz_seeds.sh (models trained by the CLI) and from hid_fuzz itself.
# A crash is written as build/tests/fuzz/NAME_crash-*: make it a regression test.
# With clang missing the tests are still registered and FAIL with the reason, unless the build
# says explicitly that it skips them: -DTT_FUZZ_TESTS=OFF.
option(TT_FUZZ_TESTS "Build and run the libFuzzer targets (fails loudly when clang cannot build them)" ON)

set(TT_FUZZ_SECONDS 20 CACHE STRING "seconds each fuzz target runs under ctest")
set(TT_FUZZ_DIR ${CMAKE_CURRENT_BINARY_DIR}/fuzz)
set(TT_FUZZ_SEEDS ${TT_FUZZ_DIR}/seeds)
set(TT_FUZZ_NAMES data_fuzz hid_fuzz capture_fuzz tokenize_fuzz model_file_fuzz image_fuzz)

if(NOT TT_FUZZ_TESTS)
  message(STATUS "fuzz: TT_FUZZ_TESTS=OFF, the fuzz targets are neither built nor run")
  return()
endif()
if(NOT TT_FUZZ_OK)
  foreach(name ${TT_FUZZ_NAMES})
    tt_missing_tool_test(${name} "${TT_FUZZ_WHY}; or configure with -DTT_FUZZ_TESTS=OFF")
    set_tests_properties(${name} PROPERTIES LABELS fuzz)
  endforeach()
  return()
endif()

file(MAKE_DIRECTORY ${TT_FUZZ_DIR})
# The device code (tokenizers, hashes, model runtime) also runs under the integer checks that mean a
# bug there: signed overflow, shifts, division by zero, implicit conversions that change a value
# (the hashes wrap unsigned on purpose, so unsigned overflow is not one).
set(TT_FUZZ_INTEGER_FLAGS -fsanitize=integer -fno-sanitize=unsigned-integer-overflow,unsigned-shift-base)
file(GLOB TT_FUZZ_HEADERS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/include/tinytext/*.h ${CMAKE_SOURCE_DIR}/src/*/*.h
     ${CMAKE_SOURCE_DIR}/tests/fuzz_check.h)

# Seeds and the static model: trained, quantised and exported by the CLI.
add_custom_command(
  OUTPUT ${TT_FUZZ_SEEDS}/static/fz_model.h ${TT_FUZZ_SEEDS}/static/fz_model.cc
  COMMAND ${CMAKE_SOURCE_DIR}/tests/fuzz_seeds.sh $<TARGET_FILE:tinytext> ${TT_SHARED_DIR}/data ${TT_FUZZ_SEEDS}
  DEPENDS tinytext ${CMAKE_SOURCE_DIR}/tests/fuzz_seeds.sh
  COMMENT "Generating the fuzz seed corpora (tests/fuzz_seeds.sh)"
  VERBATIM)
# One target drives that command; every fuzz target depends on it, so a parallel build runs the
# script once (a rule whose output several targets list would run in each of them at once).
add_custom_target(fuzz_seeds DEPENDS ${TT_FUZZ_SEEDS}/static/fz_model.h ${TT_FUZZ_SEEDS}/static/fz_model.cc)

# tt_fuzz(NAME MAIN file SOURCES ... [FLAGS ...] [LIBS ...] [SEEDS dir] [DICT file] [ENV k=v] [ARGS ...])
function(tt_fuzz name)
  cmake_parse_arguments(F "" "MAIN;SEEDS;DICT" "SOURCES;FLAGS;LIBS;EXTRA_DEPENDS;ENV;ARGS" ${ARGN})
  set(bin ${TT_FUZZ_DIR}/${name})
  add_custom_command(
    OUTPUT ${bin}
    COMMAND ${TT_CLANGXX} -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
            ${F_FLAGS} -I${CMAKE_SOURCE_DIR}/include -I${CMAKE_SOURCE_DIR}/src -I${TT_PCAP_INCLUDE_DIR}
            ${F_MAIN} ${F_SOURCES} ${F_LIBS} -o ${bin}
    DEPENDS ${F_MAIN} ${F_SOURCES} ${TT_FUZZ_HEADERS} ${F_EXTRA_DEPENDS}
    COMMENT "Building ${name} with ${TT_CLANGXX} -fsanitize=fuzzer"
    VERBATIM)
  add_custom_target(${name} ALL DEPENDS ${bin})
  add_dependencies(${name} fuzz_seeds)
  set(work ${TT_FUZZ_DIR}/${name}_corpus)
  set(dict)
  if(F_DICT)
    set(dict -dict=${F_DICT})
  endif()
  # A fresh working corpus each run (the seeds stay read-only); bounded time and memory, fixed seed.
  add_test(NAME ${name}
    COMMAND sh -c "rm -rf \"$1\" && mkdir -p \"$1\" && shift && exec \"$@\""
            sh ${work} ${CMAKE_COMMAND} -E env ${F_ENV} ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
            ${bin} ${work} ${F_SEEDS} -max_total_time=${TT_FUZZ_SECONDS} -seed=1 -rss_limit_mb=1024 -print_final_stats=1
            -artifact_prefix=${TT_FUZZ_DIR}/${name}_ ${dict} ${F_ARGS})
  set_tests_properties(${name} PROPERTIES TIMEOUT 120 LABELS fuzz)
endfunction()

set(TT_FILE_SOURCE ${CMAKE_SOURCE_DIR}/src/common/file.cc)
file(GLOB TT_DATA_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/data/*.cc)
file(GLOB TT_HID_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/hid/*.cc)
list(APPEND TT_DATA_SOURCES ${TT_FILE_SOURCE} ${CMAKE_SOURCE_DIR}/src/common/json.cc)  # json: the data summary
list(APPEND TT_HID_SOURCES ${TT_FILE_SOURCE})
set(TT_MODEL_SOURCES ${TT_FILE_SOURCE} ${CMAKE_SOURCE_DIR}/src/model/float_model.cc ${CMAKE_SOURCE_DIR}/src/model/model_io.cc
    ${CMAKE_SOURCE_DIR}/src/quant/quantize.cc ${CMAKE_SOURCE_DIR}/src/quant/image_writer.cc ${CMAKE_SOURCE_DIR}/src/numerics/int8.cc
    ${CMAKE_SOURCE_DIR}/src/tokenize/reference.cc
    ${CMAKE_SOURCE_DIR}/src/data/summary.cc ${CMAKE_SOURCE_DIR}/src/common/json.cc)  # the data section is checked on read

# data_fuzz's seeds: one small file per format (the first byte picks the reader options).
set(_seeds ${TT_FUZZ_SEEDS}_data)
file(MAKE_DIRECTORY ${_seeds})
string(ASCII 1 _o_csv)        # csv, header, default columns
string(ASCII 25 _o_csv_multi) # csv, header, labels 1,2
string(ASCII 6 _o_tsv)        # tsv, no header
string(ASCII 3 _o_fasttext)   # fasttext
file(WRITE ${_seeds}/csv "${_o_csv}text,label\n\"a, \"\"b\"\"\nc\",spam\r\nd,ham\nx,ham\n")
file(WRITE ${_seeds}/csv_multi "${_o_csv_multi}a,b,text\n0,1,x\n1,0,y\n")
file(WRITE ${_seeds}/tsv "${_o_tsv}spam\tbuy \"now\"\nham\thi\n")
file(WRITE ${_seeds}/fasttext "${_o_fasttext}__label__a __label__b x y\n__label__c z\n\n__label__a w\n")
tt_fuzz(data_fuzz MAIN ${CMAKE_SOURCE_DIR}/tests/data_fuzz.cc SOURCES ${TT_DATA_SOURCES} SEEDS ${_seeds}
        ARGS -max_len=4096)

# hid_fuzz writes its seed inputs into the corpus directory first (TT_HID_FUZZ_SEEDS).
foreach(name hid_fuzz capture_fuzz)
  set(flags)
  set(dict)
  if(name STREQUAL capture_fuzz)
    set(flags -DTT_HID_FUZZ_CAPTURE_ONLY)
    set(dict DICT ${CMAKE_SOURCE_DIR}/tests/capture_fuzz.dict)
  endif()
  tt_fuzz(${name} MAIN ${CMAKE_SOURCE_DIR}/tests/hid_fuzz.cc FLAGS ${flags} ${dict}
          SOURCES ${TT_HID_SOURCES} ${CMAKE_SOURCE_DIR}/src/eval/split.cc LIBS ${TT_PCAP_LIBRARY}
          ENV TT_HID_FUZZ_SEEDS=${TT_FUZZ_DIR}/${name}_corpus)
endforeach()

tt_fuzz(tokenize_fuzz MAIN ${CMAKE_SOURCE_DIR}/tests/tokenize_fuzz.cc FLAGS ${TT_FUZZ_INTEGER_FLAGS}
        SOURCES ${CMAKE_SOURCE_DIR}/src/tokenize/reference.cc SEEDS ${TT_FUZZ_SEEDS}/tokenize
        EXTRA_DEPENDS ${TT_FUZZ_SEEDS}/static/fz_model.h)

# -malloc_limit_mb: a reader must not allocate what the file's length cannot justify.
tt_fuzz(model_file_fuzz MAIN ${CMAKE_SOURCE_DIR}/tests/model_file_fuzz.cc SOURCES ${TT_MODEL_SOURCES}
        SEEDS ${TT_FUZZ_SEEDS}/model_file DICT ${CMAKE_SOURCE_DIR}/tests/model_file_fuzz.dict
        EXTRA_DEPENDS ${TT_FUZZ_SEEDS}/static/fz_model.h ARGS -malloc_limit_mb=64)

# image_fuzz: the device runtime, with the integer checks.
tt_fuzz(image_fuzz MAIN ${CMAKE_SOURCE_DIR}/tests/image_fuzz.cc SOURCES ${TT_FUZZ_SEEDS}/static/fz_model.cc
        FLAGS -I${TT_FUZZ_SEEDS}/static ${TT_FUZZ_INTEGER_FLAGS}
        SEEDS ${TT_FUZZ_SEEDS}/image DICT ${CMAKE_SOURCE_DIR}/tests/image_fuzz.dict)
