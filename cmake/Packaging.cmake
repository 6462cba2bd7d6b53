# cmake/Packaging.cmake — install rules and the Debian package (CPack DEB).
#
# `scripts/package` is the entry point: it builds the two binaries in the existing
# Release tree and runs cpack there. What the package installs:
#   /usr/bin/smooth-operator-server, /usr/bin/smooth-operator-cli
#   /usr/lib/systemd/system/smooth-operator.service      (cmake/debian/)
#   /etc/smooth-operator/smooth-operator.env              (conffile, 0600; generated from
#                                                          `smooth-operator-server --help`)
#   /usr/share/doc/smooth-operator/                       (README.md, docs/*.md)
# The web chat page (web/) is compiled into the server binary (cmake/WebAssets.cmake), so
# it is not installed a second time as files.
# Maintainer scripts (cmake/debian/postinst, prerm, postrm) create the system user
# `smooth-operator`, reload systemd and stop the service on removal; the service is
# neither enabled nor started by the install (configure the env file first).

include(GNUInstallDirs)
# `cpack` and `make install` install what is built; they do not build the tests and
# benchmarks first (scripts/package builds exactly the targets the package holds).
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(SO_DEBIAN_DIR ${CMAKE_SOURCE_DIR}/cmake/debian)

# The environment file lists every variable the binary reads: generated from its --help,
# so a variable added to adapters/config/server_config.cpp is in the next package.
set(SO_ENV_FILE ${CMAKE_BINARY_DIR}/packaging/smooth-operator.env)
add_custom_command(
  OUTPUT ${SO_ENV_FILE}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/packaging
  COMMAND sh -c "\"$1\" --help | awk -f \"$2\" > \"$3.tmp\" && mv \"$3.tmp\" \"$3\"" sh
          $<TARGET_FILE:smooth-operator-server> ${SO_DEBIAN_DIR}/env-file.awk ${SO_ENV_FILE}
  DEPENDS smooth-operator-server ${SO_DEBIAN_DIR}/env-file.awk
  COMMENT "Generating smooth-operator.env from smooth-operator-server --help"
  VERBATIM)
# Part of `all` (so `cmake --install` after a plain build works), except in the sanitizer
# tree, which is never packaged and whose binary need not run at build time.
if(SO_SANITIZE)
  add_custom_target(so_env_file DEPENDS ${SO_ENV_FILE})
else()
  add_custom_target(so_env_file ALL DEPENDS ${SO_ENV_FILE})
endif()

install(TARGETS smooth-operator-server smooth-operator-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# Relative to the /usr prefix: /usr/lib/systemd/system is on systemd's unit path on every
# Debian 12 system, merged /usr or not.
install(FILES ${SO_DEBIAN_DIR}/smooth-operator.service DESTINATION lib/systemd/system)
# /etc is absolute on purpose (never /usr/etc); 0600: it holds secrets, and systemd reads
# it as root.
install(FILES ${SO_ENV_FILE} DESTINATION /etc/smooth-operator
        PERMISSIONS OWNER_READ OWNER_WRITE)
file(GLOB SO_DOC_FILES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${SO_DOC_FILES}
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/smooth-operator)

# ---- CPack: one .deb ------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME smooth-operator)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "smooth-operator-cpp maintainers <maintainers@smooth-operator.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Realtime WebSocket server for LLM agent chat")
set(CPACK_PACKAGE_DESCRIPTION
    "A C++20 server that streams LLM agent turns to chat clients over WebSocket \
(Smooth Operator protocol 1.7.0), with a web chat page, a command-line client, \
Prometheus metrics, PostgreSQL storage and a NATS backplane.")
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/package)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # smooth-operator_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Runtime libraries: computed by dpkg-shlibdeps from the binaries when dpkg-dev and file
# (CPack needs both) are installed; otherwise the list dpkg-shlibdeps computes on Debian 12
# (bookworm), kept here by hand (scripts/package-smoke checks the main names).
# passwd: postinst's useradd/groupadd.
find_program(SO_DPKG_SHLIBDEPS dpkg-shlibdeps)
find_program(SO_FILE_PROGRAM file)
if(SO_DPKG_SHLIBDEPS AND SO_FILE_PROGRAM)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd")
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
      "passwd, libc6 (>= 2.34), libcaf-core0.17 (>= 0.17.6), libfmt9 (>= 9.1.0+ds1), \
libgcc-s1 (>= 3.0), libnats3.4 (>= 3.4.0), libpq5 (>= 9.0~), libprometheus-cpp-core1.0 (>= 1.0.1), \
libspdlog1.10-fmt9, libssl3 (>= 3.0.0), libstdc++6 (>= 12)")
endif()
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ca-certificates")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "postgresql (>= 15), nats-server")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${SO_DEBIAN_DIR}/conffiles ${SO_DEBIAN_DIR}/postinst ${SO_DEBIAN_DIR}/prerm
    ${SO_DEBIAN_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
