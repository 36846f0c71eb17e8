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
