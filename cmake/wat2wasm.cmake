# wx_wat2wasm(OUT_VAR OUT_DIR WAT...): one build rule per .wat file, which
# wat2wasm assembles into OUT_DIR/<name>.wasm at build time (no .wasm is
# committed); OUT_VAR receives the list of .wasm paths, for the caller's
# custom target. The caller has found wat2wasm as WX_WAT2WASM (find_program,
# REQUIRED or with its own message when it is missing).
function(wx_wat2wasm out_var out_dir)
  set(wasms "")
  foreach(wat ${ARGN})
    get_filename_component(name ${wat} NAME_WE)
    set(wasm ${out_dir}/${name}.wasm)
    add_custom_command(
      OUTPUT ${wasm}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${out_dir}
      COMMAND ${WX_WAT2WASM} ${wat} -o ${wasm}
      DEPENDS ${wat}
      COMMENT "wat2wasm ${name}.wat"
      VERBATIM)
    list(APPEND wasms ${wasm})
  endforeach()
  set(${out_var} ${wasms} PARENT_SCOPE)
endfunction()
