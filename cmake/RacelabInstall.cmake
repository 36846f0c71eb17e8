# Install rules: racelab, the lab and bench programs beside it (the harness
# finds lab-* next to itself), the sync library with its headers, a
# pkg-config file and a CMake package (find_package(racelab) gives
# racelab::sync). The libraries are installed under racelab_ names
# (libracelab_sync.a, libracelab_util.a: sync's atomics use util/tsan.h).
include(GNUInstallDirs)

# Every lab-* and bench-* executable under labs/, found by walking the
# directories (no list to keep in step with new labs).
function(racelab_collect_programs dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  set(found "")
  foreach(t IN LISTS targets)
    get_target_property(type ${t} TYPE)
    if(type STREQUAL "EXECUTABLE" AND t MATCHES "^(lab|bench)-")
      list(APPEND found ${t})
    endif()
  endforeach()
  foreach(d IN LISTS subdirs)
    racelab_collect_programs(${d} sub)
    list(APPEND found ${sub})
  endforeach()
  set(${out} ${found} PARENT_SCOPE)
endfunction()

racelab_collect_programs(${PROJECT_SOURCE_DIR}/labs racelab_programs)
if(TARGET racelab)
  list(APPEND racelab_programs racelab)
endif()
install(TARGETS ${racelab_programs} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(FILES $<TARGET_FILE:sync> DESTINATION ${CMAKE_INSTALL_LIBDIR} RENAME libracelab_sync.a)
install(FILES $<TARGET_FILE:util> DESTINATION ${CMAKE_INSTALL_LIBDIR} RENAME libracelab_util.a)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/sync/include/sync DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/util/include/util DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# What a user's compiler needs to see what this build's library was built with.
if(RACELAB_SYNC_CHECKS)
  set(RACELAB_SYNC_DEFS "SYNC_CHECKS=1")
else()
  set(RACELAB_SYNC_DEFS "SYNC_CHECKS=0")
endif()
set(RACELAB_SYNC_EXTRA_LIBS "")
if(RACELAB_ATOMICS STREQUAL "ao")
  list(APPEND RACELAB_SYNC_DEFS "SYNC_ATOMICS_AO=1")
  set(RACELAB_SYNC_EXTRA_LIBS "-latomic_ops")
endif()
if(RACELAB_CORO_SWITCH STREQUAL "ucontext")
  list(APPEND RACELAB_SYNC_DEFS "SYNC_CORO_UCONTEXT=1")
endif()
# The prefix seen from the installed pkg-config and CMake files, relative, so
# an installed tree can be moved (or installed with cmake --install --prefix).
file(RELATIVE_PATH RACELAB_PC_UP "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
file(RELATIVE_PATH RACELAB_CMAKE_UP "/p/${CMAKE_INSTALL_LIBDIR}/cmake/racelab" "/p")
set(RACELAB_SYNC_LINK "racelab::util;Threads::Threads")
# A sanitized build installs a sanitized library: its users link the runtime.
set(RACELAB_SYNC_SANITIZE "")
if(NOT RACELAB_SANITIZER STREQUAL "none")
  set(RACELAB_SYNC_SANITIZE "-fsanitize=${RACELAB_SANITIZER}")
endif()
if(RACELAB_SYNC_EXTRA_LIBS)
  list(APPEND RACELAB_SYNC_LINK "${RACELAB_SYNC_EXTRA_LIBS}")
endif()
if(RACELAB_SYNC_SANITIZE)
  list(APPEND RACELAB_SYNC_LINK "${RACELAB_SYNC_SANITIZE}")
endif()
list(TRANSFORM RACELAB_SYNC_DEFS PREPEND "-D" OUTPUT_VARIABLE _racelab_pc_defs)
string(JOIN " " RACELAB_PC_CFLAGS ${_racelab_pc_defs})
configure_file(${PROJECT_SOURCE_DIR}/cmake/install/racelab.pc.in
  ${PROJECT_BINARY_DIR}/install/racelab.pc @ONLY)
configure_file(${PROJECT_SOURCE_DIR}/cmake/install/racelabConfig.cmake.in
  ${PROJECT_BINARY_DIR}/install/racelabConfig.cmake @ONLY)
include(CMakePackageConfigHelpers)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/install/racelabConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/install/racelab.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
install(FILES ${PROJECT_BINARY_DIR}/install/racelabConfig.cmake
  ${PROJECT_BINARY_DIR}/install/racelabConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/racelab)
