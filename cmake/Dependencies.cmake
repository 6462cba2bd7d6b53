# Debian 12 packages only (see scripts/setup). Verified quirks:
#  - CAF 0.17.6 ships no CMake config or .pc file: build an IMPORTED target by hand.
#  - libnats' CMake config references a static archive Debian does not ship: use pkg-config.
#  - Boost 1.74 Beast/Asio/System are header-only: Boost::headers is enough.
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(RapidJSON REQUIRED)
find_package(spdlog 1.10 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(NATS REQUIRED IMPORTED_TARGET libnats)

find_path(CAF_INCLUDE_DIR caf/all.hpp REQUIRED)
find_library(CAF_CORE_LIBRARY caf_core REQUIRED)
add_library(CAF::core SHARED IMPORTED)
set_target_properties(CAF::core PROPERTIES
  IMPORTED_LOCATION "${CAF_CORE_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
  INTERFACE_LINK_LIBRARIES Threads::Threads)

add_library(rapidjson INTERFACE)
target_include_directories(rapidjson INTERFACE ${RAPIDJSON_INCLUDE_DIRS})
# Untrusted input: never let RapidJSON assert; parse errors are reported instead.
target_compile_definitions(rapidjson INTERFACE RAPIDJSON_HAS_STDSTRING=1)

# PostgreSQL client (Debian libpq-dev): the postgres storage adapter.
pkg_check_modules(PQ REQUIRED IMPORTED_TARGET libpq)

# Prometheus exposition (Debian prometheus-cpp-dev): only its core library (data model and
# text format) is used, by adapters/telemetry/metrics_exposition.cpp; /metrics is served by
# our own Beast listener, not by prometheus-cpp's civetweb exposer.
find_package(prometheus-cpp CONFIG REQUIRED COMPONENTS core)
