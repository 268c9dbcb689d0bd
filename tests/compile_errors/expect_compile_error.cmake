# Compiles a source that must not compile:
#   cmake -DCOMPILER=<c++> -DINCLUDES=<dir;dir> -DSOURCE=<file> -DEXPECT=<regex> -P expect_compile_error.cmake
# Passes when the compiler fails with exactly one error, matching EXPECT: the
# library's static_assert, not a cascade of template errors.
set(args -std=c++17 -fsyntax-only)
foreach(dir IN LISTS INCLUDES)
  list(APPEND args -I${dir})
endforeach()
execute_process(COMMAND ${COMPILER} ${args} ${SOURCE} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled; it must not")
endif()
string(REGEX MATCHALL "error:[^\n]*" errors "${err}")
list(LENGTH errors count)
if(NOT count EQUAL 1)
  message(FATAL_ERROR "expected one error, got ${count}:\n${err}")
endif()
if(NOT errors MATCHES "${EXPECT}")
  message(FATAL_ERROR "the error does not match '${EXPECT}':\n${err}")
endif()
message(STATUS "the one error: ${errors}")
