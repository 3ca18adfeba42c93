# fl_layer(NAME DIRS dir... FILES file... LINKS target...): one static library per layer
# (DESIGN.md §2), so a layer builds and tests on its own.
#
# DIRS and FILES are paths under src/. A layer's headers are reached only through its own include
# root, build/layers/NAME, which holds links to those paths and nothing else; linking the layer
# is what puts that root on a dependent's include path. A layer that includes a header of a
# layer it does not link fails to compile: the layering is enforced by the build, not by review.
# .cpp files in DIRS (recursively) and in FILES are the layer's sources; none: headers only.
set(FL_LAYER_ROOT ${CMAKE_BINARY_DIR}/layers)

function(fl_layer name)
  cmake_parse_arguments(L "" "" "DIRS;FILES;LINKS" ${ARGN})
  set(root ${FL_LAYER_ROOT}/${name})
  file(REMOVE_RECURSE ${root})  # links left by an earlier configuration would widen the root
  set(srcs)
  foreach(entry IN LISTS L_DIRS L_FILES)
    set(target ${CMAKE_SOURCE_DIR}/src/${entry})
    if(NOT EXISTS ${target})
      message(FATAL_ERROR "fl_layer(${name}): src/${entry} does not exist")
    endif()
    if(IS_DIRECTORY ${target})
      file(GLOB_RECURSE found CONFIGURE_DEPENDS ${target}/*.cpp)
      list(APPEND srcs ${found})
    elseif(entry MATCHES "\\.cpp$")
      list(APPEND srcs ${target})
      continue()
    endif()
    get_filename_component(parent ${root}/${entry} DIRECTORY)
    file(MAKE_DIRECTORY ${parent})
    file(CREATE_LINK ${target} ${root}/${entry} SYMBOLIC)
  endforeach()
  # The public value types (framelock/status.h, image.h, media.h) and the generated version.
  set(common ${CMAKE_SOURCE_DIR}/include ${CMAKE_BINARY_DIR}/include)
  if(NOT srcs)
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE ${common} ${root})
    target_link_libraries(${name} INTERFACE ${L_LINKS})
    return()
  endif()
  set_property(GLOBAL APPEND PROPERTY FL_LAYER_SOURCES ${srcs})
  add_library(${name} STATIC ${srcs})
  target_include_directories(${name} PUBLIC ${common} ${root})
  target_link_libraries(${name} PUBLIC ${L_LINKS})
endfunction()

# Every .cpp under src/ (but those of EXCEPT, folders under src/) belongs to a layer: a new
# operator folder that no fl_layer() names would otherwise be silently left out of the build.
function(fl_layers_cover_src)
  cmake_parse_arguments(L "" "" "EXCEPT" ${ARGN})
  file(GLOB_RECURSE all CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/*.cpp)
  get_property(claimed GLOBAL PROPERTY FL_LAYER_SOURCES)
  set(missing)
  foreach(f IN LISTS all)
    file(RELATIVE_PATH rel ${CMAKE_SOURCE_DIR}/src ${f})
    set(skip FALSE)
    foreach(e IN LISTS L_EXCEPT)
      if(rel MATCHES "^${e}/")
        set(skip TRUE)
      endif()
    endforeach()
    if(NOT skip AND NOT f IN_LIST claimed)
      list(APPEND missing src/${rel})
    endif()
  endforeach()
  if(missing)
    message(FATAL_ERROR "no fl_layer() builds ${missing}: add its folder to one (CMakeLists.txt)")
  endif()
endfunction()
