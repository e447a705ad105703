# ferry_sandbox_embed(OUT_CC SYMBOL INPUT): generates OUT_CC defining
#   extern const unsigned char SYMBOL[]; extern const size_t SYMBOL_size;
# from the bytes of INPUT, regenerated when INPUT changes.
set(FERRY_SANDBOX_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/embed_file.cmake)

function(ferry_sandbox_embed out_cc symbol input)
  add_custom_command(
    OUTPUT ${out_cc}
    COMMAND ${CMAKE_COMMAND} -DINPUT=${input} -DOUTPUT=${out_cc} -DSYMBOL=${symbol}
            -P ${FERRY_SANDBOX_EMBED_SCRIPT}
    DEPENDS ${input} ${FERRY_SANDBOX_EMBED_SCRIPT}
    COMMENT "Embedding ${input}"
    VERBATIM)
endfunction()
