# USB HID keyboard: the libFuzzer target
# (tests/hid_fuzz.cc): ctest HidFuzz, label fuzz.

# clang++ builds it (TT_FUZZ_OK, tests/CMakeLists.txt); when that cannot work the test is still
# registered and reports itself skipped, with the reason.
if(TT_FUZZ_OK)
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
  message(STATUS "HidFuzz: skipped (${TT_FUZZ_WHY})")
  add_test(NAME HidFuzz COMMAND sh -c "echo 'HidFuzz skipped: ${TT_FUZZ_WHY}'; exit 77")
  set_tests_properties(HidFuzz PROPERTIES SKIP_RETURN_CODE 77 LABELS fuzz)
endif()
