# The Python package (python/, docs/python.md): pytest on the built module, the example notebook
# executed, and `pip install --no-build-isolation .` into a fresh venv. Each needs Debian packages
# that scripts/deps.sh test installs; a missing one fails its test (pytest, jupyter, venv say so).
if(TT_WITH_PYTHON)
  set(TT_PY_ENV
    PYTHONPATH=${CMAKE_BINARY_DIR}/python
    TT_CLI=$<TARGET_FILE:tinytext>
    TT_SHARED_DIR=${TT_SHARED_DIR}
    PYTHONDONTWRITEBYTECODE=1)
  add_test(NAME python_pytest
    COMMAND ${TT_PYTHON} -m pytest -q -p no:cacheprovider ${CMAKE_SOURCE_DIR}/tests/python)
  set_tests_properties(python_pytest PROPERTIES LABELS python ENVIRONMENT "${TT_PY_ENV};MPLBACKEND=Agg" TIMEOUT 900)

  add_test(NAME python_notebook
    COMMAND ${TT_PYTHON} -m nbconvert --to notebook --execute --ExecutePreprocessor.timeout=600
            --output-dir ${CMAKE_BINARY_DIR}/notebook ${CMAKE_SOURCE_DIR}/examples/python/tinytext.ipynb)
  set_tests_properties(python_notebook PROPERTIES LABELS python
    ENVIRONMENT "${TT_PY_ENV};TT_NOTEBOOK_OUT=${CMAKE_BINARY_DIR}/notebook/out" TIMEOUT 900)

  add_test(NAME python_pip_install
    COMMAND sh ${CMAKE_SOURCE_DIR}/tests/python_pip.sh ${TT_PYTHON} ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR}/pip-test)
  set_tests_properties(python_pip_install PROPERTIES LABELS python ENVIRONMENT "TT_SHARED_DIR=${TT_SHARED_DIR}"
    TIMEOUT 1500)
endif()
