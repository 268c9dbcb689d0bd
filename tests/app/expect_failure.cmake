# Runs a program that must refuse its configuration:
#   cmake -DEXPECT=<regex> [-DEXIT_CODE=<n>] -P expect_failure.cmake -- <program> [<arg>...]
# Passes when the program exits with a non-zero status (EXIT_CODE, when given)
# and writes exactly one line on stderr, matching EXPECT: an error message, not
# a stack trace or an abort.

set(command)
set(seen_separator FALSE)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE ${last})
  if(seen_separator)
    list(APPEND command "${CMAKE_ARGV${i}}")
  elseif(CMAKE_ARGV${i} STREQUAL "--")
    set(seen_separator TRUE)
  endif()
endforeach()
if(NOT command)
  message(FATAL_ERROR "usage: cmake -DEXPECT=<regex> [-DEXIT_CODE=<n>] -P expect_failure.cmake -- <program> [<arg>...]")
endif()

execute_process(COMMAND ${command}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
message(STATUS "exit status: ${rc}\nstderr: ${err}")

if(NOT rc MATCHES "^[0-9]+$")
  message(FATAL_ERROR "the program did not exit normally: ${rc}")
endif()
if(rc EQUAL 0)
  message(FATAL_ERROR "the program succeeded; expected a non-zero exit status")
endif()
if(DEFINED EXIT_CODE AND NOT rc EQUAL EXIT_CODE)
  message(FATAL_ERROR "exit status ${rc}; expected ${EXIT_CODE}")
endif()
if(NOT err MATCHES "^[^\n]+\n$")
  message(FATAL_ERROR "expected exactly one line on stderr")
endif()
if(NOT err MATCHES "${EXPECT}")
  message(FATAL_ERROR "stderr does not match '${EXPECT}'")
endif()
