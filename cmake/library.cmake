# libframelock.so: the C API of include/framelock/framelock.h (the C++ API of framelock.hpp is
# inline over it), built from the static layers of a decode -> grade -> encode pipeline. It links
# no operator that needs OpenCV (fl_ops_core only) and exports nothing but framelock_* symbols:
# hidden visibility, the layers' symbols excluded, and a version script as the last word.
# libframelock_full.so is the same API with every built-in operator (and so OpenCV).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(FL_API_HEADERS
    ${CMAKE_SOURCE_DIR}/include/framelock/framelock.h
    ${CMAKE_SOURCE_DIR}/include/framelock/framelock.hpp
    ${CMAKE_SOURCE_DIR}/include/framelock/framelock_export.h
    ${CMAKE_BINARY_DIR}/include/framelock/version.h)
file(GLOB fl_api_srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/api/*.cpp)
# The API's own headers, reached like a layer's (cmake/layers.cmake).
file(MAKE_DIRECTORY ${FL_LAYER_ROOT}/framelock_api)
file(CREATE_LINK ${CMAKE_SOURCE_DIR}/src/api ${FL_LAYER_ROOT}/framelock_api/api SYMBOLIC)

# fl_api_library(TARGET OUTPUT_NAME VARIANT_SOURCE OPS_LIBRARY)
function(fl_api_library target name variant ops)
  add_library(${target} SHARED ${fl_api_srcs} ${CMAKE_SOURCE_DIR}/src/api/variant/${variant})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME ${name}
    EXPORT_NAME ${name}
    VERSION ${PROJECT_VERSION}
    # 0.x: every minor release may break the ABI (docs/embedding.md).
    SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}
    LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lib
    LINK_DEPENDS ${CMAKE_SOURCE_DIR}/src/api/exports.map)
  target_compile_definitions(${target} PRIVATE FRAMELOCK_BUILDING)
  target_include_directories(${target} PRIVATE ${FL_LAYER_ROOT}/framelock_api)
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/include> $<BUILD_INTERFACE:${CMAKE_BINARY_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(${target} PRIVATE fl_render ${ops})
  target_link_options(${target} PRIVATE
    -Wl,--exclude-libs,ALL -Wl,--version-script=${CMAKE_SOURCE_DIR}/src/api/exports.map)
  if(NOT FL_SANITIZE AND NOT FL_FUZZ)  # their runtimes are the executable's, undefined here
    target_link_options(${target} PRIVATE -Wl,--no-undefined)
  endif()
  add_library(framelock::${name} ALIAS ${target})
endfunction()
fl_api_library(framelock_shared framelock core_ops.cpp fl_ops_core)
fl_api_library(framelock_full_shared framelock_full all_ops.cpp fl_ops)

install(TARGETS framelock_shared framelock_full_shared EXPORT framelockTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${FL_API_HEADERS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/framelock)
set(FL_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/framelock)
install(EXPORT framelockTargets NAMESPACE framelock:: DESTINATION ${FL_CMAKE_DIR})
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/framelockConfig.cmake.in
  ${CMAKE_BINARY_DIR}/framelockConfig.cmake INSTALL_DESTINATION ${FL_CMAKE_DIR})
# 0.x: only the same minor version is compatible.
write_basic_package_version_file(${CMAKE_BINARY_DIR}/framelockConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/framelockConfig.cmake
              ${CMAKE_BINARY_DIR}/framelockConfigVersion.cmake DESTINATION ${FL_CMAKE_DIR})
file(RELATIVE_PATH FL_PC_TO_PREFIX /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
string(REGEX REPLACE "/$" "" FL_PC_TO_PREFIX "${FL_PC_TO_PREFIX}")
foreach(FL_PC_NAME framelock framelock_full)
  configure_file(${CMAKE_SOURCE_DIR}/cmake/framelock.pc.in ${CMAKE_BINARY_DIR}/${FL_PC_NAME}.pc @ONLY)
  install(FILES ${CMAKE_BINARY_DIR}/${FL_PC_NAME}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()

# The public headers on their own: each compiles with nothing but include/ on the path (the
# header's own C or C++ translation unit), so a third-party include or a missing one breaks the
# build here rather than in an embedder's.
set(fl_header_tus)
foreach(h framelock.h framelock.hpp framelock_export.h version.h)
  foreach(lang c cpp)
    if(lang STREQUAL "cpp" OR h MATCHES "\\.h$")
      string(MAKE_C_IDENTIFIER ${h} id)
      set(tu ${CMAKE_BINARY_DIR}/header_check/${id}.${lang})
      # The typedef: ISO C forbids an empty translation unit (a header of macros only).
      file(CONFIGURE OUTPUT ${tu} CONTENT "#include <framelock/${h}>\ntypedef int fl_header_check_${id};\n")
      list(APPEND fl_header_tus ${tu})
    endif()
  endforeach()
endforeach()
add_library(fl_public_headers_alone OBJECT ${fl_header_tus})
target_include_directories(fl_public_headers_alone PRIVATE
  ${CMAKE_SOURCE_DIR}/include ${CMAKE_BINARY_DIR}/include)
# C99 and C++17: what a plugin host or an older pipeline tool may still compile with.
set_target_properties(fl_public_headers_alone PROPERTIES
  C_STANDARD 99 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF CXX_STANDARD 17)
target_compile_options(fl_public_headers_alone PRIVATE $<$<COMPILE_LANGUAGE:C>:-pedantic-errors>)
