# Run by `cmake --install` (cmake/install.cmake): writes the pkg-config
# file WX_PC_NAME.pc from WX_PC_TEMPLATE for the prefix being installed
# into, in WX_PC_STAGE, and installs it like any other file (DESTDIR,
# install_manifest.txt). Relative directories (GNUInstallDirs' defaults)
# are written as ${prefix}/DIR, absolute ones as they are.
set(prefix "${CMAKE_INSTALL_PREFIX}")
set(version "${WX_PC_VERSION}")
foreach(dir libdir includedir)
  string(TOUPPER ${dir} upper)
  set(value "${WX_PC_${upper}}")
  if(IS_ABSOLUTE "${value}")
    set(${dir} "${value}")
  else()
    set(${dir} "\${prefix}/${value}")
  endif()
endforeach()
if(IS_ABSOLUTE "${WX_PC_LIBDIR}")
  set(pcdir "${WX_PC_LIBDIR}/pkgconfig")
else()
  set(pcdir "${CMAKE_INSTALL_PREFIX}/${WX_PC_LIBDIR}/pkgconfig")
endif()
configure_file("${WX_PC_TEMPLATE}" "${WX_PC_STAGE}/${WX_PC_NAME}.pc" @ONLY)
file(INSTALL DESTINATION "${pcdir}" TYPE FILE
     FILES "${WX_PC_STAGE}/${WX_PC_NAME}.pc")
