# Optional and required third-party pieces. Only Threads is required: a bare
# Debian with a C compiler, make and cmake must build and run the labs.
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
find_package(PkgConfig QUIET)

# libatomic_ops: the `ao` variant and the RACELAB_ATOMICS=ao backend.
find_path(RACELAB_AO_INCLUDE_DIR atomic_ops.h)
find_library(RACELAB_AO_LIBRARY atomic_ops)
if(RACELAB_AO_INCLUDE_DIR AND RACELAB_AO_LIBRARY)
  set(RACELAB_HAVE_AO ON)
  add_library(racelab_ao INTERFACE)
  target_include_directories(racelab_ao SYSTEM INTERFACE ${RACELAB_AO_INCLUDE_DIR})
  target_link_libraries(racelab_ao INTERFACE ${RACELAB_AO_LIBRARY})
  target_compile_definitions(racelab_ao INTERFACE RACELAB_HAVE_AO=1)
else()
  set(RACELAB_HAVE_AO OFF)
  add_library(racelab_ao INTERFACE)
  message(STATUS "racelab: libatomic_ops not found: the `ao` variant is unavailable "
    "(apt-get install libatomic-ops-dev)")
endif()
add_library(racelab::ao ALIAS racelab_ao)

# CUnit: the test suites.
find_path(RACELAB_CUNIT_INCLUDE_DIR CUnit/CUnit.h)
find_library(RACELAB_CUNIT_LIBRARY cunit)
if(RACELAB_CUNIT_INCLUDE_DIR AND RACELAB_CUNIT_LIBRARY)
  set(RACELAB_HAVE_CUNIT ON)
  add_library(racelab_cunit INTERFACE)
  target_include_directories(racelab_cunit SYSTEM INTERFACE ${RACELAB_CUNIT_INCLUDE_DIR})
  target_link_libraries(racelab_cunit INTERFACE ${RACELAB_CUNIT_LIBRARY})
  add_library(racelab::cunit ALIAS racelab_cunit)
else()
  set(RACELAB_HAVE_CUNIT OFF)
endif()

# Baselines and harness libraries, found through pkg-config. Each is optional:
# a build without it says so once and skips what needs it.
#   ck (Concurrency Kit, libck-dev): spinlocks and ck_ring beside ours in the benches
#   urcu (liburcu, liburcu-dev): wfcqueue beside our queues in bench-queue
#   jansson (libjansson-dev): the racelab harness parses and writes JSON with it
function(racelab_pkg name module hint)
  set(RACELAB_HAVE_${name} OFF PARENT_SCOPE)
  if(PkgConfig_FOUND)
    pkg_check_modules(RACELAB_PC_${name} QUIET IMPORTED_TARGET ${module})
    if(RACELAB_PC_${name}_FOUND)
      set(RACELAB_HAVE_${name} ON PARENT_SCOPE)
      string(TOLOWER ${name} lower)
      add_library(racelab_${lower} INTERFACE)
      target_link_libraries(racelab_${lower} INTERFACE PkgConfig::RACELAB_PC_${name})
      target_compile_definitions(racelab_${lower} INTERFACE RACELAB_HAVE_${name}=1)
      add_library(racelab::${lower} ALIAS racelab_${lower})
      return()
    endif()
  endif()
  message(STATUS "racelab: ${hint}")
endfunction()
racelab_pkg(CK ck "Concurrency Kit not found: its baselines are skipped in the benches (apt-get install libck-dev)")
racelab_pkg(URCU "liburcu;liburcu-cds" "liburcu not found: its wfcqueue baseline is skipped (apt-get install liburcu-dev)")
racelab_pkg(JANSSON jansson "jansson not found: the racelab harness is not built (apt-get install libjansson-dev)")
