# Fails when a module includes a header of a module it must not depend on (ARCHITECTURE.md):
#   core, net  <-  scanner, enrich, risk, db, notify  <-  app
# core includes only core; net only core and net; the five middle modules only core, net and
# themselves; app anything. Run: cmake -DSOURCE_DIR=<repo> -P tests/layering_check.cmake
set(middle scanner enrich risk db notify)
set(allowed_core core)
set(allowed_net core net)
foreach(m IN LISTS middle)
  set(allowed_${m} core net ${m})
endforeach()
set(modules core net ${middle})
set(violations "")
foreach(module IN LISTS modules)
  file(GLOB_RECURSE files "${SOURCE_DIR}/${module}/*.h" "${SOURCE_DIR}/${module}/*.cpp")
  foreach(file IN LISTS files)
    file(STRINGS "${file}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"[a-z_]+/")
    foreach(line IN LISTS lines)
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([a-z_]+)/.*" "\\1" target "${line}")
      list(FIND allowed_${module} "${target}" ok)
      # Third-party headers written with a folder ("toml++/", "spdlog/") use <>; anything in
      # quotes that names one of our modules counts.
      list(FIND modules "${target}" ours)
      if(ok EQUAL -1 AND (NOT ours EQUAL -1 OR target STREQUAL "app"))
        file(RELATIVE_PATH rel "${SOURCE_DIR}" "${file}")
        list(APPEND violations "${rel}: ${module}/ must not include ${target}/ (${line})")
      endif()
    endforeach()
  endforeach()
endforeach()
if(violations)
  list(JOIN violations "\n  " text)
  message(FATAL_ERROR "layering violations:\n  ${text}")
endif()
message(STATUS "layering ok")
