# The README's results tables are copies of bench/results (bench/update_readme.py): fail when a
# benchmark was re-run without copying its table into the README.
find_program(TT_PYTHON3_README python3)
if(TT_PYTHON3_README)
  add_test(NAME readme_tables COMMAND ${TT_PYTHON3_README} ${CMAKE_SOURCE_DIR}/bench/update_readme.py --check)
  set_tests_properties(readme_tables PROPERTIES LABELS "docs")
else()
  tt_missing_tool_test(readme_tables "python3 not found (scripts/deps.sh test installs python3)")
endif()

# docs/cli-reference.md is every command's --help (scripts/cli_reference.sh): fail when it is stale.
add_test(NAME cli_reference COMMAND bash ${CMAKE_SOURCE_DIR}/scripts/cli_reference.sh $<TARGET_FILE:tinytext> --check)
set_tests_properties(cli_reference PROPERTIES LABELS "docs")
