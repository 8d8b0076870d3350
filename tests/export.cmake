# int8 quantisation budget on every shared task (trains 20 small models; about 25 s): int8 may
# lose at most 0.002 ROC AUC / macro-F1 against its float parent. Run: ctest -L bench
find_program(TT_BASH_Q bash)
find_program(TT_PYTHON3_Q python3)
if(TT_BASH_Q AND TT_PYTHON3_Q)
  add_test(NAME quant_budget
           COMMAND ${TT_BASH_Q} ${CMAKE_SOURCE_DIR}/bench/quant_bench.sh $<TARGET_FILE:tinytext>
                   ${CMAKE_BINARY_DIR}/quant_bench)
  set_tests_properties(quant_budget PROPERTIES LABELS "bench" TIMEOUT 300)
else()
  tt_missing_tool_test(quant_budget "bash or python3 not found (scripts/deps.sh test installs python3)")
endif()

# cmake --install + find_package(tinytext) (examples/cmake-project): the installed CLI, moved after
# installing, exports a model at build time for a program that finds the runtime headers through
# the package; its decisions and those of a self-contained `export --format c` directory must
# equal `tinytext predict`'s on the SMS test split (about 10 s).
if(TT_BASH_Q)
  add_test(NAME install_example
           COMMAND ${TT_BASH_Q} ${CMAKE_SOURCE_DIR}/examples/cmake-project/check.sh ${CMAKE_BINARY_DIR}
                   ${CMAKE_BINARY_DIR}/install_example ${TT_SHARED_DIR}/data/sms-spam-collection/SMSSpamCollection)
  set_tests_properties(install_example PROPERTIES LABELS "unit" TIMEOUT 300)
else()
  tt_missing_tool_test(install_example "bash not found")
endif()
