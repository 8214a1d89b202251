# Runs one command and checks its exit status and output: the examples'
# tests, as `cmake -P expect.cmake` so that they need no shell. CTest's own
# PASS_REGULAR_EXPRESSION would ignore the exit status, which is half of
# what these tests check.
#
#   -DPROGRAM=path         the program to run
#   -DARGS=a|b|c           its arguments, separated by '|'
#   -DEXIT=n               the expected exit status (default 0)
#   -DSTDOUT_LINE=text     a line that stdout must contain, exactly
#   -DSTDERR_REGEX=re      a regular expression stderr must match
if(NOT DEFINED EXIT)
  set(EXIT 0)
endif()
string(REPLACE "|" ";" args "${ARGS}")
execute_process(COMMAND "${PROGRAM}" ${args}
                RESULT_VARIABLE status
                OUTPUT_VARIABLE out
                ERROR_VARIABLE err
                TIMEOUT 60)
string(REPLACE ";" " " shown "${PROGRAM};${args}")
message("$ ${shown}\n--- stdout\n${out}--- stderr\n${err}"
        "--- exit status: ${status}")

set(failed "")
if(NOT "${status}" STREQUAL "${EXIT}")
  string(APPEND failed "expected exit status ${EXIT}, got ${status}\n")
endif()
if(DEFINED STDOUT_LINE)
  string(FIND "\n${out}" "\n${STDOUT_LINE}\n" pos)
  if(pos EQUAL -1)
    string(APPEND failed "expected the line '${STDOUT_LINE}' on stdout\n")
  endif()
endif()
if(DEFINED STDERR_REGEX AND NOT err MATCHES "${STDERR_REGEX}")
  string(APPEND failed "expected stderr to match '${STDERR_REGEX}'\n")
endif()
if(failed)
  message(FATAL_ERROR "${failed}")
endif()
