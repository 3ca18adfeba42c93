# ctest startup_loads_no_media: `framelock --version` maps neither FFmpeg nor OpenImageIO (they
# are modules, loaded when media is first opened; src/core/module_loader.h). A layer that links
# them into the command line again would cost every start-up 0.1-0.6 s (docs/benchmarks.md §11).
# Run as cmake -DBIN=... -P this file.
cmake_minimum_required(VERSION 3.25)
execute_process(COMMAND env LD_DEBUG=files ${BIN} --version
                OUTPUT_VARIABLE out ERROR_VARIABLE loaded RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${BIN} --version failed (${rc}): ${out}")
endif()
foreach(lib libavcodec libavformat libOpenImageIO)
  if(loaded MATCHES "file=[^ ]*${lib}")
    message(FATAL_ERROR "${BIN} --version loads ${lib}: a layer links it instead of its module")
  endif()
endforeach()
string(REGEX MATCHALL "generating link map" needed "${loaded}")
list(LENGTH needed count)
message(STATUS "framelock --version loads ${count} libraries, no FFmpeg or OpenImageIO")
