# The dependency rule, enforced by the build: a layer may include headers of its own layer and
# of the layers below it, never above. Link dependencies say the same for symbols; this check
# catches a header-only reach upwards, which linking would not.
set(ALLOCATION_LAYERS domain service_layer adapters bootstrap entrypoints)

# allocation_check_layer(TARGET LAYER): checks the files of LAYER before TARGET is compiled.
function(allocation_check_layer target layer)
  list(FIND ALLOCATION_LAYERS ${layer} rank)
  math(EXPR first_forbidden "${rank} + 1")
  list(LENGTH ALLOCATION_LAYERS count)
  set(forbidden "")
  if(first_forbidden LESS count)
    list(SUBLIST ALLOCATION_LAYERS ${first_forbidden} -1 forbidden)
  endif()
  if(NOT forbidden)
    return()
  endif()
  file(GLOB_RECURSE files CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/src/allocation/${layer}/*.hpp
       ${PROJECT_SOURCE_DIR}/src/allocation/${layer}/*.cpp)
  string(REPLACE ";" "," forbidden_csv "${forbidden}")
  string(REPLACE ";" "|" files_psv "${files}")
  set(stamp ${CMAKE_CURRENT_BINARY_DIR}/${target}.layer_check)
  add_custom_command(
    OUTPUT ${stamp}
    COMMAND ${CMAKE_COMMAND} -DLAYER=${layer} -DFORBIDDEN=${forbidden_csv}
            -DSTAMP=${stamp} -DFILES=${files_psv}
            -P ${PROJECT_SOURCE_DIR}/cmake/check_layer_includes.cmake
    DEPENDS ${files} ${PROJECT_SOURCE_DIR}/cmake/check_layer_includes.cmake
    COMMENT "Checking that ${layer} includes no header of a layer above it"
    VERBATIM)
  add_custom_target(${target}_layer_check DEPENDS ${stamp})
  add_dependencies(${target} ${target}_layer_check)
endfunction()
