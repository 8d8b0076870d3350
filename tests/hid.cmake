# USB HID keyboard: the libFuzzer target
# (tests/hid_fuzz.cc): ctest HidFuzz, label fuzz.

# tests/hid_fuzz.cc needs clang's -fsanitize=fuzzer. The project compiler may be gcc, so the
# target is built by clang++ directly; it is skipped with a message when that cannot work.
find_program(TT_CLANGXX NAMES clang++ clang++-14)
set(TT_HID_FUZZ_OK OFF)
if(TT_CLANGXX)
  set(_probe_dir ${CMAKE_CURRENT_BINARY_DIR}/hid_fuzz_probe)
  file(MAKE_DIRECTORY ${_probe_dir})
  file(WRITE ${_probe_dir}/probe.cc
    "#include <stddef.h>\n#include <stdint.h>\n"
    "extern \"C\" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }\n")
  execute_process(
    COMMAND ${TT_CLANGXX} -fsanitize=fuzzer,address,undefined ${_probe_dir}/probe.cc -o ${_probe_dir}/probe
    RESULT_VARIABLE _probe_rc OUTPUT_QUIET ERROR_QUIET)
  if(_probe_rc EQUAL 0)
    set(TT_HID_FUZZ_OK ON)
  endif()
endif()

if(TT_HID_FUZZ_OK)
  file(GLOB TT_HID_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/hid/*.cc)
  list(APPEND TT_HID_SOURCES ${CMAKE_SOURCE_DIR}/src/eval/split.cc)  # SplitMix64 for typos
  set(_fuzz_bin ${CMAKE_CURRENT_BINARY_DIR}/hid_fuzz)
  add_custom_command(
    OUTPUT ${_fuzz_bin}
    COMMAND ${TT_CLANGXX} -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
            -I${CMAKE_SOURCE_DIR}/include -I${CMAKE_SOURCE_DIR}/src -I${TT_PCAP_INCLUDE_DIR}
            ${CMAKE_SOURCE_DIR}/tests/hid_fuzz.cc ${TT_HID_SOURCES} ${TT_PCAP_LIBRARY} -o ${_fuzz_bin}
    DEPENDS ${CMAKE_SOURCE_DIR}/tests/hid_fuzz.cc ${TT_HID_SOURCES} ${CMAKE_SOURCE_DIR}/src/hid/keyboard.h
            ${CMAKE_SOURCE_DIR}/src/hid/capture.h ${CMAKE_SOURCE_DIR}/include/tinytext/hid.h
    COMMENT "Building hid_fuzz with clang++ -fsanitize=fuzzer"
    VERBATIM)
  add_custom_target(hid_fuzz ALL DEPENDS ${_fuzz_bin})
  # Bounded run with a fixed seed; the target writes its seed inputs into the corpus directory
  # first (TT_HID_FUZZ_SEEDS, see tests/hid_fuzz.cc).
  set(_corpus ${CMAKE_CURRENT_BINARY_DIR}/hid_fuzz_corpus)
  # A crash is written as hid_fuzz_crash-* next to the binary; make it a test in hid_test.cc.
  add_test(NAME HidFuzz
    COMMAND ${CMAKE_COMMAND} -E env TT_HID_FUZZ_SEEDS=${_corpus}
            ${_fuzz_bin} ${_corpus} -max_total_time=20 -seed=1 -print_final_stats=1
            -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/hid_fuzz_)
  set_tests_properties(HidFuzz PROPERTIES TIMEOUT 120 LABELS fuzz)
else()
  message(STATUS "HidFuzz: skipped (clang++ with -fsanitize=fuzzer not available; "
                 "Debian: apt-get install clang libclang-rt-14-dev)")
endif()
