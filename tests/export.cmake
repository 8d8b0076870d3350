# int8 quantisation budget on every shared task (trains 20 small models; about 25 s): int8 may
# lose at most 0.002 ROC AUC / macro-F1 against its float parent. Run: ctest -L bench
find_program(TT_BASH_Q bash)
find_program(TT_PYTHON3_Q python3)
if(TT_BASH_Q AND TT_PYTHON3_Q)
  add_test(NAME quant_budget
           COMMAND ${TT_BASH_Q} ${CMAKE_SOURCE_DIR}/bench/quant_bench.sh $<TARGET_FILE:tinytext>
                   ${CMAKE_BINARY_DIR}/quant_bench)
  set_tests_properties(quant_budget PROPERTIES LABELS "bench" TIMEOUT 300)
endif()
