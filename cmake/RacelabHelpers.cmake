# Helpers so that adding a library, a lab or a test is a single line.

# racelab_twin_library(NAME SOURCES src... [PUBLIC_INCLUDE dir...] [LINK lib...])
# A static library NAME built like the rest of the build and, when TSan twins
# are on, NAME-tsan built with ThreadSanitizer. LINK entries that are themselves
# twin libraries are linked to their own -tsan twin in the twin.
function(racelab_twin_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_INCLUDE;LINK" ${ARGN})
  set(variants "${name}")
  if(RACELAB_TSAN_TWINS)
    list(APPEND variants "${name}-tsan")
  endif()
  foreach(t IN LISTS variants)
    add_library(${t} STATIC ${ARG_SOURCES})
    target_include_directories(${t} PUBLIC ${ARG_PUBLIC_INCLUDE})
    target_link_libraries(${t} PUBLIC racelab::common)
    foreach(dep IN LISTS ARG_LINK)
      get_property(is_twin GLOBAL PROPERTY RACELAB_TWIN_${dep})
      if(is_twin AND t MATCHES "-tsan$")
        target_link_libraries(${t} PUBLIC ${dep}-tsan)
      else()
        target_link_libraries(${t} PUBLIC ${dep})
      endif()
    endforeach()
    if(t MATCHES "-tsan$")
      target_link_libraries(${t} PUBLIC racelab::tsan)
      target_compile_definitions(${t} PUBLIC RACELAB_TSAN_TWIN=1)
    else()
      target_link_libraries(${t} PUBLIC racelab::sanitizer)
    endif()
  endforeach()
  set_property(GLOBAL PROPERTY RACELAB_TWIN_${name} ON)
endfunction()

# racelab_add_lab(NAME MAIN main.c VARIANTS file.c...)
# Builds the lab's variants as a library (NAME_lab, which the tests link),
# the program lab-NAME, with TSan twins on lab-NAME-tsan, and where the
# explorer runs its explore flavour lab-NAME-explore.
function(racelab_add_lab name)
  cmake_parse_arguments(ARG "" "MAIN" "VARIANTS" ${ARGN})
  racelab_twin_library(${name}_lab SOURCES ${ARG_VARIANTS}
    PUBLIC_INCLUDE ${CMAKE_CURRENT_SOURCE_DIR} LINK lab_common sync racelab::ao)
  add_executable(lab-${name} ${ARG_MAIN})
  target_link_libraries(lab-${name} PRIVATE ${name}_lab)
  if(RACELAB_TSAN_TWINS)
    add_executable(lab-${name}-tsan ${ARG_MAIN})
    target_link_libraries(lab-${name}-tsan PRIVATE ${name}_lab-tsan)
  endif()
  racelab__add_lab_explore(${name} "${ARG_MAIN}" "${ARG_VARIANTS}")
endfunction()

# lab-NAME-explore, what `racelab explore NAME/VARIANT` runs (labs/common/
# explore_main.c, notes/explorer.md "Lab targets"): the variant files
# compiled as racelab explore compiles a user's program (every access a
# point; spin waits yield at once, SYNC__SPIN_LIMIT 0; no watchdog records,
# LAB_EXPLORE), the lab's main.c with
# lab_main renamed to the adapter's, linked against the explorer runtime
# (-no-pie: trace addresses are symbol values). Built where the explorer is:
# clang (its ThreadSanitizer hooks), x86-64, no sanitizer on the build, and
# clang's TSan runtime package (libclang-rt-N-dev): it also ships the
# <sanitizer/tsan_interface.h> the labs include when instrumented. Without
# it (a fresh Debian before make test) the flavours are skipped, like the
# -tsan twins, rather than failing make lab-counter.
function(racelab__add_lab_explore name main variants)
  if(NOT (CMAKE_C_COMPILER_ID STREQUAL "Clang" AND RACELAB_SANITIZER STREQUAL "none" AND
          RACELAB_TSAN_TWINS AND CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$"))
    return()
  endif()
  # sync/'s own files too, once for every lab: their atomics must be points
  # (a sync_once's slow path orders its callers), and their futex calls
  # reach the runtime's syscall(), which models them (xrt_futex.c).
  if(NOT TARGET sync_explore)
    get_target_property(sync_dir sync SOURCE_DIR)
    get_target_property(sync_srcs sync SOURCES)
    list(FILTER sync_srcs INCLUDE REGEX "\\.c$")
    list(FILTER sync_srcs EXCLUDE REGEX "coro\\.c$")   # the coroutine models are refused
    list(TRANSFORM sync_srcs PREPEND "${sync_dir}/")
    add_library(sync_explore OBJECT ${sync_srcs})
    target_include_directories(sync_explore PRIVATE
      $<TARGET_PROPERTY:sync,INTERFACE_INCLUDE_DIRECTORIES>)
    target_compile_definitions(sync_explore PRIVATE
      $<TARGET_PROPERTY:sync,INTERFACE_COMPILE_DEFINITIONS> SYNC__SPIN_LIMIT=0u)
    target_compile_options(sync_explore PRIVATE -O0 -g -fsanitize=thread
      -mllvm -tsan-instrument-read-before-write)
    target_link_libraries(sync_explore PRIVATE racelab::common util racelab::ao)
  endif()
  add_library(${name}_lab-explore OBJECT ${variants})
  target_include_directories(${name}_lab-explore PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(${name}_lab-explore PRIVATE lab_common sync racelab::ao)
  target_compile_options(${name}_lab-explore PRIVATE -O0 -g -fsanitize=thread
    -mllvm -tsan-instrument-read-before-write)
  target_compile_definitions(${name}_lab-explore PRIVATE SYNC__SPIN_LIMIT=0u LAB_EXPLORE=1)
  add_executable(lab-${name}-explore ${main} ${PROJECT_SOURCE_DIR}/labs/common/explore_main.c)
  target_compile_definitions(lab-${name}-explore PRIVATE lab_main=lab_explore_main)
  target_include_directories(lab-${name}-explore PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}
    ${PROJECT_SOURCE_DIR}/detectors/explore)
  target_link_libraries(lab-${name}-explore PRIVATE ${name}_lab-explore sync_explore
    racelab-explore lab_common sync)
  target_link_options(lab-${name}-explore PRIVATE -no-pie
    -Wl,--wrap=pthread_cond_timedwait -Wl,--wrap=lab_now_ns)   # explore_main.c: no watchdog, no timeouts, a clock of the schedule
endfunction()

# racelab_add_test(NAME SOURCES src... [LINK lib...] [LABELS l...] [TIMEOUT s])
# One CUnit executable test_NAME; each of its cases is one CTest test,
# NAME.<case>, found after the build by asking the executable (--list, see
# tests/test_main.h and cmake/RacelabCases.cmake), so a crash, a hang or a
# skip (exit 77) belongs to one case and never hides the others. Before the
# executable is built, CTest shows NAME_NOT_BUILT, which fails.
function(racelab_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LINK;LABELS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  add_executable(test_${name} ${ARG_SOURCES})
  target_include_directories(test_${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(test_${name} PRIVATE racelab::cunit racelab::common racelab::sanitizer util ${ARG_LINK})
  target_compile_definitions(test_${name} PRIVATE
    RACELAB_BIN_DIR="${CMAKE_RUNTIME_OUTPUT_DIRECTORY}"
    RACELAB_SANITIZER_NAME="${RACELAB_SANITIZER}")
  set(cases "${CMAKE_CURRENT_BINARY_DIR}/test_${name}_cases.cmake")
  string(REPLACE ";" "," labels "${ARG_LABELS}")
  add_custom_command(TARGET test_${name} POST_BUILD
    COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:test_${name}> -DNAME=${name}
            -DTIMEOUT=${ARG_TIMEOUT} -DLABELS=${labels} -DOUT=${cases}
            -P ${PROJECT_SOURCE_DIR}/cmake/RacelabCases.cmake
    VERBATIM)
  set(include "${CMAKE_CURRENT_BINARY_DIR}/test_${name}_include.cmake")
  file(WRITE "${include}"
    "if(EXISTS [==[${cases}]==])\n  include([==[${cases}]==])\nelse()\n"
    "  add_test(${name}_NOT_BUILT ${name}_NOT_BUILT)\nendif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include}")
endfunction()
