# Run at build time (POST_BUILD of each test executable, see racelab_add_test):
# asks the CUnit executable for its cases (EXE --list) and writes OUT, a CTest
# file registering each case as the test NAME.case (EXE --case case).
# -D arguments: EXE, NAME, TIMEOUT, LABELS (comma-separated), OUT.
cmake_policy(SET CMP0057 NEW)   # if(... IN_LIST ...)
execute_process(COMMAND "${EXE}" --list OUTPUT_VARIABLE cases RESULT_VARIABLE rc
                ERROR_VARIABLE err TIMEOUT 60)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} --list failed (${rc}): ${err}")
endif()
string(REPLACE "," ";" labels "${LABELS}")
# A stress case wants the whole machine (its races and its timeouts are sized
# for it): it runs alone under ctest -j; every other case shares the cores.
set(serial "")
if("stress" IN_LIST labels)
  set(serial " RUN_SERIAL TRUE")
endif()
string(REPLACE "\n" ";" cases "${cases}")
set(text "")
foreach(c IN LISTS cases)
  if(c STREQUAL "")
    continue()
  endif()
  string(APPEND text "add_test([==[${NAME}.${c}]==] [==[${EXE}]==] --case [==[${c}]==])\n"
    "set_tests_properties([==[${NAME}.${c}]==] PROPERTIES TIMEOUT ${TIMEOUT}"
    " LABELS [==[${labels}]==] SKIP_RETURN_CODE 77${serial})\n")
endforeach()
if(text STREQUAL "")
  message(FATAL_ERROR "${EXE} --list named no case")
endif()
file(WRITE "${OUT}.tmp" "${text}")
file(RENAME "${OUT}.tmp" "${OUT}")
