# The Debian package (CPack DEB): `scripts/package.sh` builds it. Installs the binary, the web
# assets, the example configurations, the man pages and the systemd unit; packaging/postinst makes
# the parley system user and /etc/parley (0750 root:parley). docs/operations.md is the guide.
include_guard(GLOBAL)
include(GNUInstallDirs)

# `cmake --install` (what CPack runs) installs only these rules: it must not build every test.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

install(TARGETS parley RUNTIME DESTINATION bin)
# The widget's and the desk's built bundles (npm run build; scripts/package.sh builds them first).
foreach(app widget desk)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/web/${app}/dist/ DESTINATION share/parley/${app} OPTIONAL)
endforeach()
install(FILES examples/config/single-node-tls.toml examples/config/behind-proxy.toml examples/config/postgres.toml
              examples/config/reference.toml
              examples/config/README.md examples/echo/assistant.toml
        DESTINATION share/doc/parley/examples)
install(PROGRAMS examples/config/make-test-ca.sh examples/config/make-secrets.sh DESTINATION share/doc/parley/examples)
install(FILES docs/operations.md docs/metrics.md DESTINATION share/doc/parley)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/copyright DESTINATION share/doc/parley)
# Debian wants the changelog and man pages compressed with gzip -9n (reproducible).
set(pkg_gen ${PROJECT_BINARY_DIR}/packaging)
file(MAKE_DIRECTORY ${pkg_gen})
foreach(page parley.1 parley.toml.5 changelog.Debian)
  add_custom_command(OUTPUT ${pkg_gen}/${page}.gz
                     COMMAND gzip -9nc ${PROJECT_SOURCE_DIR}/packaging/${page} > ${pkg_gen}/${page}.gz
                     DEPENDS ${PROJECT_SOURCE_DIR}/packaging/${page})
  list(APPEND pkg_pages ${pkg_gen}/${page}.gz)
endforeach()
add_custom_target(parley_package_files ALL DEPENDS ${pkg_pages})
install(FILES ${pkg_gen}/parley.1.gz DESTINATION share/man/man1)
install(FILES ${pkg_gen}/parley.toml.5.gz DESTINATION share/man/man5)
install(FILES ${pkg_gen}/changelog.Debian.gz DESTINATION share/doc/parley)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/parley.service DESTINATION /lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/lintian-overrides DESTINATION share/lintian/overrides RENAME parley)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME parley)
set(CPACK_PACKAGE_VENDOR "Parley")
set(CPACK_PACKAGE_CONTACT "Parley maintainers <parley-maintainers@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "self-hosted, security-first platform for AI assistants")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Parley runs the assistants banks and insurers put on their web sites:\n\
 a webchat widget, a Direct Line 3.0 channel, the bot web service with\n\
 end-user login, a service desk, an AMQP 1.0 bus and an encrypted\n\
 conversation store. This package ships the parley binary, a hardened\n\
 systemd unit and example production configurations.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)  # a Debian revision: not a native package
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/postinst ${PROJECT_SOURCE_DIR}/packaging/prerm ${PROJECT_SOURCE_DIR}/packaging/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
include(CPack)
