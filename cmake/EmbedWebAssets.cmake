# cmake/EmbedWebAssets.cmake — run as `cmake -DWEB_DIR=<dir> -DOUT=<file.cpp> -P` by
# cmake/WebAssets.cmake: writes a C++ source holding every file of WEB_DIR as a string
# literal of hex escapes, with its URL path, Content-Type and a strong ETag (a SHA-256
# prefix of the bytes). An unknown file extension stops the build, so a new asset is
# never served with a guessed type.
if(NOT WEB_DIR OR NOT OUT)
  message(FATAL_ERROR "EmbedWebAssets.cmake: WEB_DIR and OUT are required")
endif()

file(GLOB files "${WEB_DIR}/*")
list(SORT files)
set(arrays "")
set(table "")
set(index 0)
set(have_index FALSE)
foreach(f IN LISTS files)
  if(IS_DIRECTORY "${f}")
    message(FATAL_ERROR "EmbedWebAssets.cmake: ${f}: subfolders are not served")
  endif()
  get_filename_component(name "${f}" NAME)
  string(REGEX MATCH "[^.]*$" ext "${name}")
  string(TOLOWER "${ext}" ext)
  if(ext STREQUAL "html")
    set(type "text/html; charset=utf-8")
  elseif(ext STREQUAL "js")
    set(type "text/javascript; charset=utf-8")
  elseif(ext STREQUAL "css")
    set(type "text/css; charset=utf-8")
  elseif(ext STREQUAL "svg")
    set(type "image/svg+xml")
  elseif(ext STREQUAL "png")
    set(type "image/png")
  elseif(ext STREQUAL "json" OR ext STREQUAL "webmanifest")
    set(type "application/json")
  else()
    message(FATAL_ERROR "EmbedWebAssets.cmake: ${name}: no Content-Type known for '.${ext}'")
  endif()
  if(name STREQUAL "index.html")
    set(path "/")
    set(have_index TRUE)
  else()
    set(path "/web/${name}")
  endif()

  file(SIZE "${f}" size)
  if(size EQUAL 0)
    message(FATAL_ERROR "EmbedWebAssets.cmake: ${name} is empty")
  endif()
  file(SHA256 "${f}" sha)
  string(SUBSTRING "${sha}" 0 20 etag)
  file(READ "${f}" hex HEX)
  # 32 bytes (64 hex digits) per source line; every byte is an escape, so an escape is
  # always ended by the next backslash and never swallows a following digit.
  string(LENGTH "${hex}" hex_length)
  set(lines "")
  set(offset 0)
  while(offset LESS hex_length)
    string(SUBSTRING "${hex}" ${offset} 64 slice)
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" slice "${slice}")
    string(APPEND lines "\n    \"${slice}\"")
    math(EXPR offset "${offset} + 64")
  endwhile()
  string(APPEND arrays "// ${name}\nconstexpr char kAsset${index}[] =${lines};\n")
  string(APPEND table
         "    {\"${path}\", \"${type}\", \"\\\"${etag}\\\"\", std::string_view(kAsset${index}, ${size})},\n")
  math(EXPR index "${index} + 1")
endforeach()
if(NOT have_index)
  message(FATAL_ERROR "EmbedWebAssets.cmake: ${WEB_DIR}/index.html is missing")
endif()

set(content "// Generated from web/ by cmake/EmbedWebAssets.cmake at build time. Do not edit.
#include \"net/web_assets.hpp\"

#include <array>

namespace so::net {
namespace {

${arrays}
constexpr std::array<web_asset, ${index}> kAssets{{
${table}}};

}  // namespace

std::span<const web_asset> embedded_web_assets() { return kAssets; }

}  // namespace so::net
")
file(WRITE "${OUT}" "${content}")
