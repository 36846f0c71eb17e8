# One cache string chooses the sanitizer for the whole build; it reaches targets
# through the INTERFACE target racelab::sanitizer, never through CMAKE_C_FLAGS.
#
# Independently, when the build itself is not sanitized and the compiler is
# clang with a working TSan runtime, every lab also gets a lab-<name>-tsan twin
# built with racelab::tsan (-fsanitize=thread -g -O1).
include(CheckCSourceCompiles)
include(CMakePushCheckState)

set(RACELAB_SANITIZER "none" CACHE STRING "Sanitizer: none | thread | address,undefined")
set_property(CACHE RACELAB_SANITIZER PROPERTY STRINGS none thread "address,undefined")

add_library(racelab_sanitizer INTERFACE)
add_library(racelab::sanitizer ALIAS racelab_sanitizer)

# flags is a list: CMAKE_REQUIRED_FLAGS wants one string, link options a list.
# The result is checked anew at every configure, not cached: the runtime may
# have been installed since (make test installs it after make lab-counter).
function(racelab__check_sanitizer flags out)
  unset(${out} CACHE)
  cmake_push_check_state(RESET)
  string(JOIN " " CMAKE_REQUIRED_FLAGS ${flags})
  set(CMAKE_REQUIRED_LINK_OPTIONS ${flags})
  set(CMAKE_REQUIRED_QUIET ON)
  check_c_source_compiles("
    #include <pthread.h>
    static void *f(void *a) { return a; }
    int main(void) { pthread_t t; pthread_create(&t, 0, f, 0); return pthread_join(t, 0); }"
    ${out})
  cmake_pop_check_state()
endfunction()

if(RACELAB_SANITIZER STREQUAL "thread")
  set(_san_flags -fsanitize=thread -fno-omit-frame-pointer)
elseif(RACELAB_SANITIZER STREQUAL "address,undefined")
  set(_san_flags -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
elseif(NOT RACELAB_SANITIZER STREQUAL "none")
  message(FATAL_ERROR "RACELAB_SANITIZER must be none, thread or address,undefined; got '${RACELAB_SANITIZER}'")
endif()
string(REGEX MATCH "^[0-9]+" CMAKE_C_COMPILER_VERSION_MAJOR "${CMAKE_C_COMPILER_VERSION}")
if(_san_flags)
  string(JOIN " " _san_str ${_san_flags})
  racelab__check_sanitizer("${_san_flags}" RACELAB_SANITIZER_WORKS)
  if(NOT RACELAB_SANITIZER_WORKS)
    message(FATAL_ERROR "the compiler ${CMAKE_C_COMPILER} cannot build with ${_san_str}"
      " (for clang: apt-get install libclang-rt-${CMAKE_C_COMPILER_VERSION_MAJOR}-dev)")
  endif()
  target_compile_options(racelab_sanitizer INTERFACE ${_san_flags})
  target_link_options(racelab_sanitizer INTERFACE ${_san_flags})
endif()

# The -tsan twins.
set(RACELAB_TSAN_TWINS OFF)
if(RACELAB_SANITIZER STREQUAL "none")
  if(CMAKE_C_COMPILER_ID STREQUAL "Clang")
    racelab__check_sanitizer("-fsanitize=thread" RACELAB_CLANG_TSAN_WORKS)
    if(RACELAB_CLANG_TSAN_WORKS)
      set(RACELAB_TSAN_TWINS ON)
      find_program(RACELAB_LLVM_SYMBOLIZER llvm-symbolizer)
      if(NOT RACELAB_LLVM_SYMBOLIZER)
        unset(RACELAB_LLVM_SYMBOLIZER CACHE)
        message(STATUS "racelab: llvm-symbolizer is missing, so TSan reports will name no "
          "files or functions (apt-get install llvm)")
      endif()
    else()
      message(STATUS "racelab: clang's ThreadSanitizer runtime is missing, so the lab-*-tsan and lab-*-explore "
        "programs are skipped (apt-get install libclang-rt-${CMAKE_C_COMPILER_VERSION_MAJOR}-dev)")
    endif()
  else()
    message(STATUS "racelab: compiler is ${CMAKE_C_COMPILER_ID}, not clang: lab-*-tsan programs "
      "are skipped (apt-get install clang; gcc's TSan stays reachable via the gcc-tsan preset)")
  endif()
endif()

add_library(racelab_tsan INTERFACE)
add_library(racelab::tsan ALIAS racelab_tsan)
target_compile_options(racelab_tsan INTERFACE -fsanitize=thread -g -O1 -fno-omit-frame-pointer)
target_link_options(racelab_tsan INTERFACE -fsanitize=thread)
