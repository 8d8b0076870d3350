# Emulated boards (targets/): device-header self-containment (arm, rv32, avr, host), and the
# host / Cortex-M0+, Cortex-M4, rv32imc (QEMU) / ATmega328P, ATmega2560 (simavr) bit-for-bit comparison with a link check and a
# size/stack/speed summary (targets/run.sh). Tools come from scripts/boards-deps.sh.
# Run only these:  ctest --test-dir build -L boards --output-on-failure
# A missing tool makes its test FAIL with what to install (tt_missing_tool_test); a build that
# means to skip the board tests says so: -DTT_BOARD_TESTS=OFF.
option(TT_BOARD_TESTS "Register the emulated-board tests (fail loudly when a tool is missing)" ON)
if(NOT TT_BOARD_TESTS)
  message(STATUS "boards: TT_BOARD_TESTS=OFF, the board tests are not registered")
  return()
endif()
target_compile_definitions(tinytext_tests PRIVATE TT_REQUIRE_BOARD_TOOLS=1)  # tests/export_test.cc

find_program(TT_BASH bash)
find_program(TT_PYTHON3 python3)
find_program(TT_ARM_GXX arm-none-eabi-g++)
find_program(TT_AVR_GXX avr-g++)
find_program(TT_QEMU_ARM qemu-system-arm)
find_program(TT_RV_GXX riscv64-unknown-elf-g++)
find_program(TT_QEMU_RV qemu-system-riscv32)
find_path(TT_SIMAVR_INCLUDE simavr/sim_avr.h)
find_library(TT_SIMAVR_LIB simavr)

set(TT_BOARDS_DIR ${CMAKE_BINARY_DIR}/boards)
# TT_SHARED_DIR (the datasets, ../shared beside the clone) is set by tests/CMakeLists.txt, which
# includes this file.

if(TT_BASH AND TT_ARM_GXX AND TT_RV_GXX AND TT_AVR_GXX)
  add_test(NAME boards_header_check
           COMMAND ${TT_BASH} ${CMAKE_SOURCE_DIR}/targets/header_check.sh ${TT_BOARDS_DIR})
  set_tests_properties(boards_header_check PROPERTIES LABELS "boards" TIMEOUT 120)
else()
  tt_missing_tool_test(boards_header_check "arm-none-eabi-g++, riscv64-unknown-elf-g++ or avr-g++ not found (run scripts/boards-deps.sh)")
endif()

if(TT_BASH AND TT_PYTHON3 AND TT_ARM_GXX AND TT_AVR_GXX AND TT_QEMU_ARM AND TT_RV_GXX AND TT_QEMU_RV AND TT_SIMAVR_INCLUDE
   AND TT_SIMAVR_LIB)
  # Fails on any host/board output mismatch, a board exit status other than 0, a timeout, or a
  # forbidden symbol (heap, float, exceptions, printf) in an image. The M0 instruction count needs
  # qemu-plugin.h from Debian's qemu source package (fetched once into ${TT_BOARDS_DIR}); when it
  # cannot be fetched the count is reported "unavailable" and the test still checks the digests.
  # Boards: Cortex-M0+ (microbit), Cortex-M4 (mps2-an386), rv32imc (riscv32 virt), ATmega328P and
  # ATmega2560 (simavr). sms4k runs on the M0+, M4, rv32imc and 328P, sms32k on the 32-bit ones,
  # sms32k_mega (the 32 KB model), sms64k_mega (train --board mega2560: a 65.5 KB image, far flash),
  # sms64k_mega_checked (the same on the generic path: model_open on a far image) and sms192k_mega (a
  # 196 KB image with a hidden layer, far flash) on the 2560; the rest on the M0+ and the 328P.
  # The model workloads (sms4k, sms4k_checked, sms4k_bulk, sms4k_p99, sms32k, sms32k_bulk, sms32k_mega, sms64k_mega, sms64k_mega_checked, sms192k_mega, stream100, stream10000) train,
  # quantise and export real models with the tinytext CLI and check every score against
  # `tinytext predict` (sms4k_p99 also checks that the threshold `tinytext threshold --precision 0.99`
  # chose on its texts gives that precision in the board's own decisions); numerics runs the model runtime's numeric helpers on many inputs (sigmoid,
  # pooling factor, exp, division, rescale); bulk_edge compares model_push_text with model_push on
  # the board for texts made to reach the bulk path's corners. An explicit list (about a minute in
  # all): other workloads (e.g. hid_roundtrip) run with targets/run.sh.
  add_test(NAME boards_digest
           COMMAND ${TT_BASH} ${CMAKE_SOURCE_DIR}/targets/run.sh
                   --corpus ${TT_SHARED_DIR}/data/sms-spam-collection/SMSSpamCollection
                   --shared-data ${TT_SHARED_DIR}/data --tinytext $<TARGET_FILE:tinytext>
                   --workload hash_digest --workload numerics --workload sms4k --workload sms4k_checked
                   --workload sms4k_bulk --workload sms4k_p99 --workload sms32k --workload sms32k_bulk --workload sms32k_mega --workload sms64k_mega
                   --workload sms64k_mega_checked --workload sms192k_mega
                   --workload bulk_edge --workload thumb1_kernel --workload stream100
                   --workload stream10000
                   --timeout 180 ${TT_BOARDS_DIR})
  set_tests_properties(boards_digest PROPERTIES LABELS "boards" TIMEOUT 900 FIXTURES_SETUP boards_results)
  # Budgets: fails if the runtime's flash, RAM or stack grows past bench/budgets.json (update it
  # deliberately with bench/boards.sh --update-budgets), or if RAM differs between a 100-byte and a
  # 10,000-byte text. Reads boards_digest's results; writes its tables into the build dir only.
  add_test(NAME boards_budget
           COMMAND ${TT_BASH} ${CMAKE_SOURCE_DIR}/bench/boards.sh --no-run --check
                   --out ${TT_BOARDS_DIR}/bench ${TT_BOARDS_DIR})
  set_tests_properties(boards_budget PROPERTIES LABELS "boards" TIMEOUT 60 FIXTURES_REQUIRED boards_results)
else()
  foreach(t boards_digest boards_budget)
    tt_missing_tool_test(${t} "cross toolchains (arm, riscv64-unknown-elf, avr), qemu-system-arm/riscv32, python3 or libsimavr-dev not found (run scripts/boards-deps.sh)")
  endforeach()
endif()

# The Arduino example of `tinytext export --format arduino`, compiled for the Uno against Debian's
# Arduino AVR core (arduino-core-avr); prints its flash and RAM (avr-size); run in simavr with 40 SMS
# test texts on its serial port, its verdicts and logits equal to tinytext predict's.
if(TT_BASH AND TT_AVR_GXX AND EXISTS /usr/share/arduino/hardware/arduino/avr/cores/arduino/Arduino.h)
  add_test(NAME boards_arduino
           COMMAND ${TT_BASH} ${CMAKE_SOURCE_DIR}/targets/arduino/build_example.sh $<TARGET_FILE:tinytext>
                   ${CMAKE_BINARY_DIR}/arduino_example ${TT_SHARED_DIR}/data/sms-spam-collection/SMSSpamCollection)
  set_tests_properties(boards_arduino PROPERTIES LABELS "boards" TIMEOUT 120)
  # The same for the Mega 2560 with its own model (train --board mega2560: an image over 32,767 B,
  # placed above the code and read with far addresses; the script checks the placement), run the same way.
  add_test(NAME boards_arduino_mega
           COMMAND ${TT_BASH} ${CMAKE_SOURCE_DIR}/targets/arduino/build_example.sh $<TARGET_FILE:tinytext>
                   ${CMAKE_BINARY_DIR}/arduino_example_mega ${TT_SHARED_DIR}/data/sms-spam-collection/SMSSpamCollection
                   mega2560)
  set_tests_properties(boards_arduino_mega PROPERTIES LABELS "boards" TIMEOUT 180)
else()
  foreach(t boards_arduino boards_arduino_mega)
    tt_missing_tool_test(${t} "avr-g++ or the Arduino AVR core (arduino-core-avr) not found (run scripts/boards-deps.sh)")
  endforeach()
endif()

# The MKR Zero keyboard example (examples/arduino-mkrzero/), assembled with make_sketch.sh from a
# trained 4K model and compiled for the Cortex-M0+ with the SAMD core's flags and -Wall -Wextra
# -Werror against stub headers of the core and the USBHost library (targets/arduino/mkrzero/: the
# real ones are not in Debian), then linked with --gc-sections and link-checked. Catches drift
# between the sketch, keyboard_verdict.h, the tinytext headers and the export; see docs/hid.md.
if(TT_BASH AND TT_ARM_GXX)
  add_test(NAME boards_mkrzero
           COMMAND ${TT_BASH} ${CMAKE_SOURCE_DIR}/targets/arduino/build_mkrzero.sh $<TARGET_FILE:tinytext>
                   ${CMAKE_BINARY_DIR}/mkrzero_example ${TT_SHARED_DIR}/data/sms-spam-collection/SMSSpamCollection)
  set_tests_properties(boards_mkrzero PROPERTIES LABELS "boards" TIMEOUT 120)
else()
  tt_missing_tool_test(boards_mkrzero "arm-none-eabi-g++ not found (run scripts/boards-deps.sh)")
endif()
