# The dataset readers' libFuzzer target (tests/data_fuzz.cc): ctest DataFuzz, label fuzz.
# clang++ builds it from src/data/*.cc (TT_FUZZ_OK, tests/CMakeLists.txt); when that cannot work
# the test is still registered and reports itself skipped, with the reason.

if(TT_FUZZ_OK)
  file(GLOB TT_DATA_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/data/*.cc)
  file(GLOB TT_DATA_HEADERS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/data/*.h)
  set(_data_fuzz_bin ${CMAKE_CURRENT_BINARY_DIR}/data_fuzz)
  add_custom_command(
    OUTPUT ${_data_fuzz_bin}
    COMMAND ${TT_CLANGXX} -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
            -I${CMAKE_SOURCE_DIR}/src ${CMAKE_SOURCE_DIR}/tests/data_fuzz.cc ${TT_DATA_SOURCES}
            ${CMAKE_SOURCE_DIR}/src/common/json.cc -o ${_data_fuzz_bin}
    DEPENDS ${CMAKE_SOURCE_DIR}/tests/data_fuzz.cc ${TT_DATA_SOURCES} ${TT_DATA_HEADERS}
            ${CMAKE_SOURCE_DIR}/src/common/error.h ${CMAKE_SOURCE_DIR}/src/common/json.cc
    COMMENT "Building data_fuzz with ${TT_CLANGXX} -fsanitize=fuzzer,address,undefined"
    VERBATIM)
  add_custom_target(data_fuzz ALL DEPENDS ${_data_fuzz_bin})

  # Seeds: one small file per format (the first byte picks the reader options; see data_fuzz.cc).
  set(_seeds ${CMAKE_CURRENT_BINARY_DIR}/data_fuzz_seeds)
  file(MAKE_DIRECTORY ${_seeds})
  string(ASCII 1 _o_csv)        # csv, header, default columns
  string(ASCII 25 _o_csv_multi) # csv, header, labels 1,2
  string(ASCII 6 _o_tsv)        # tsv, no header
  string(ASCII 3 _o_fasttext)   # fasttext
  file(WRITE ${_seeds}/csv "${_o_csv}text,label\n\"a, \"\"b\"\"\nc\",spam\r\nd,ham\nx,ham\n")
  file(WRITE ${_seeds}/csv_multi "${_o_csv_multi}a,b,text\n0,1,x\n1,0,y\n")
  file(WRITE ${_seeds}/tsv "${_o_tsv}spam\tbuy \"now\"\nham\thi\n")
  file(WRITE ${_seeds}/fasttext "${_o_fasttext}__label__a __label__b x y\n__label__c z\n\n__label__a w\n")
  # A fresh working corpus each run; bounded time, fixed seed.
  set(_work ${CMAKE_CURRENT_BINARY_DIR}/data_fuzz_corpus)
  add_test(NAME DataFuzz
    COMMAND sh -c "rm -rf \"$1\" && mkdir -p \"$1\" && exec \"$0\" \"$1\" \"$2\" -max_total_time=20 -seed=1 -max_len=4096 -print_final_stats=1"
            ${_data_fuzz_bin} ${_work} ${_seeds})
  set_tests_properties(DataFuzz PROPERTIES TIMEOUT 120 LABELS fuzz
                       ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1;UBSAN_OPTIONS=print_stacktrace=1")
else()
  message(STATUS "DataFuzz: skipped (${TT_FUZZ_WHY})")
  add_test(NAME DataFuzz COMMAND sh -c "echo 'DataFuzz skipped: ${TT_FUZZ_WHY}'; exit 77")
  set_tests_properties(DataFuzz PROPERTIES SKIP_RETURN_CODE 77 LABELS fuzz)
endif()
