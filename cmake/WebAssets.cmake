# cmake/WebAssets.cmake — embeds the web chat page (web/*) into a target at build time.
#
# so_embed_web_assets(<target> <dir>) generates ${CMAKE_BINARY_DIR}/generated/web_assets_data.cpp
# from every file directly in <dir> (cmake/EmbedWebAssets.cmake writes it; plain CMake, no xxd)
# and adds it to <target>. It defines so::net::embedded_web_assets() (net/web_assets.hpp):
# `index.html` is served at "/", every other file at "/web/<name>". Editing a file in <dir>
# regenerates the source on the next build; adding or removing one re-globs (CONFIGURE_DEPENDS).
function(so_embed_web_assets target dir)
  file(GLOB web_files CONFIGURE_DEPENDS "${dir}/*")
  list(SORT web_files)
  set(out "${CMAKE_BINARY_DIR}/generated/web_assets_data.cpp")
  add_custom_command(
    OUTPUT "${out}"
    COMMAND "${CMAKE_COMMAND}" "-DWEB_DIR=${dir}" "-DOUT=${out}"
            -P "${CMAKE_SOURCE_DIR}/cmake/EmbedWebAssets.cmake"
    DEPENDS ${web_files} "${CMAKE_SOURCE_DIR}/cmake/EmbedWebAssets.cmake"
    COMMENT "Embedding web/ into web_assets_data.cpp"
    VERBATIM)
  target_sources(${target} PRIVATE "${out}")
endfunction()
