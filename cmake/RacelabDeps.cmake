# Optional and required third-party pieces. Only Threads is required: a bare
# Debian with a C compiler, make and cmake must build and run the labs.
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
find_package(PkgConfig QUIET)

# racelab_find(NAME HEADER LIBRARY): a header and a library found without
# pkg-config become the INTERFACE target racelab_<name> (alias racelab::<name>)
# and RACELAB_HAVE_<NAME> ON, or RACELAB_HAVE_<NAME> OFF.
function(racelab_find name header library)
  string(TOUPPER ${name} upper)
  find_path(RACELAB_${upper}_INCLUDE_DIR ${header})
  find_library(RACELAB_${upper}_LIBRARY ${library})
  if(NOT (RACELAB_${upper}_INCLUDE_DIR AND RACELAB_${upper}_LIBRARY))
    set(RACELAB_HAVE_${upper} OFF PARENT_SCOPE)
    return()
  endif()
  set(RACELAB_HAVE_${upper} ON PARENT_SCOPE)
  add_library(racelab_${name} INTERFACE)
  target_include_directories(racelab_${name} SYSTEM INTERFACE ${RACELAB_${upper}_INCLUDE_DIR})
  target_link_libraries(racelab_${name} INTERFACE ${RACELAB_${upper}_LIBRARY})
  add_library(racelab::${name} ALIAS racelab_${name})
endfunction()

# libatomic_ops: the `ao` variant and the RACELAB_ATOMICS=ao backend. The
# target exists either way (empty without the library), so labs link it always.
racelab_find(ao atomic_ops.h atomic_ops)
if(RACELAB_HAVE_AO)
  target_compile_definitions(racelab_ao INTERFACE RACELAB_HAVE_AO=1)
else()
  add_library(racelab_ao INTERFACE)
  add_library(racelab::ao ALIAS racelab_ao)
  message(STATUS "racelab: libatomic_ops not found: the `ao` variant is unavailable "
    "(apt-get install libatomic-ops-dev)")
endif()

# CUnit: the test suites.
racelab_find(cunit CUnit/CUnit.h cunit)

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

# The counter lab's database models (labs/common/db.h): their client
# libraries. Without one the model is listed as unavailable with the package.
# They are not linked: the model opens its library at run time
# (labs/common/db_dl.c), so no other run loads it. racelab::<name> carries
# the headers, RACELAB_HAVE_<NAME> and RACELAB_<NAME>_SONAME, the name to
# dlopen, read from the library the build found (its file name if objdump
# cannot say).
function(racelab_dl_client name module hint)
  racelab_pkg(${name} ${module} "${hint}")
  if(NOT RACELAB_HAVE_${name})
    return()
  endif()
  set(RACELAB_HAVE_${name} ON PARENT_SCOPE)
  string(TOLOWER ${name} lower)
  list(GET RACELAB_PC_${name}_LIBRARIES 0 first)   # pq: pkg-config's library file
  set(file "${pkgcfg_lib_RACELAB_PC_${name}_${first}}")
  get_filename_component(soname "${file}" NAME)
  if(CMAKE_OBJDUMP)
    execute_process(COMMAND ${CMAKE_OBJDUMP} -p "${file}" OUTPUT_VARIABLE dump ERROR_QUIET)
    if(dump MATCHES "SONAME +([^ \n]+)")
      set(soname "${CMAKE_MATCH_1}")
    endif()
  endif()
  # the headers and definitions of the pkg-config target, not its link
  set_target_properties(racelab_${lower} PROPERTIES INTERFACE_LINK_LIBRARIES "")
  target_include_directories(racelab_${lower} SYSTEM INTERFACE ${RACELAB_PC_${name}_INCLUDE_DIRS})
  target_compile_definitions(racelab_${lower} INTERFACE RACELAB_${name}_SONAME="${soname}")
  target_link_libraries(racelab_${lower} INTERFACE ${CMAKE_DL_LIBS})
endfunction()
racelab_dl_client(HIREDIS hiredis "hiredis not found: --model redis is unavailable (apt-get install libhiredis-dev)")
racelab_dl_client(LIBPQ libpq "libpq not found: --model postgres is unavailable (apt-get install libpq-dev)")
