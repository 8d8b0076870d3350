# `tinytext report` in a real browser (tests/report_chromium.py): a report of real SMS models
# rendered by headless Chromium, with no console error and drawn plots. Needs Debian's chromium
# and python3-pil (scripts/deps.sh test); without them the test fails, saying so. Label report.
find_program(TT_CHROMIUM NAMES chromium chromium-browser)
set(TT_SYSTEM_PYTHON3 /usr/bin/python3)
if(TT_CHROMIUM AND EXISTS ${TT_SYSTEM_PYTHON3})
  add_test(NAME report_chromium
           COMMAND ${TT_SYSTEM_PYTHON3} ${CMAKE_SOURCE_DIR}/tests/report_chromium.py
                   --tinytext $<TARGET_FILE:tinytext> --chromium ${TT_CHROMIUM}
                   --data ${TT_SHARED_DIR}/data/sms-spam-collection/SMSSpamCollection
                   --work ${CMAKE_BINARY_DIR}/report_chromium)
  set_tests_properties(report_chromium PROPERTIES LABELS report TIMEOUT 300)
else()
  tt_missing_tool_test(report_chromium "chromium or /usr/bin/python3 not found (scripts/deps.sh test installs chromium)")
endif()
