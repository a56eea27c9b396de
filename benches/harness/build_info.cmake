# Writes build_info.h at build time (not only at configure time), so the commit in the JSON
# context is the commit that was built. configure_file() leaves the file untouched when nothing
# changed, so an unchanged tree rebuilds nothing.
#   cmake -DSRC=build_info.h.in -DDST=build_info.h -DSOURCE_DIR=... -DPROJECT_VERSION=...
#         -DCMAKE_BUILD_TYPE=... -DPCB_GBENCH_VERSION=... -P build_info.cmake
execute_process(COMMAND git rev-parse --short=12 HEAD
                WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE PCB_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR PCB_COMMIT STREQUAL "")
  set(PCB_COMMIT "unknown")
else()
  execute_process(COMMAND git status --porcelain --untracked-files=no
                  WORKING_DIRECTORY ${SOURCE_DIR}
                  OUTPUT_VARIABLE dirty OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(NOT dirty STREQUAL "")
    set(PCB_COMMIT "${PCB_COMMIT}-dirty")
  endif()
endif()
configure_file(${SRC} ${DST} @ONLY)
