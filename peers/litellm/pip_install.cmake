# Installs exactly what one hash-locked requirements file of peers/litellm pins (the LiteLLM
# proxy, `litellm[proxy]==VERSION`, and every dependency) into a virtual environment in a folder
# of the build tree, so the source tree and the system Python stay clean.
#   cmake -DPYTHON=/usr/bin/python3 -DLOCK=peers/litellm/requirements-1.85.0.txt \
#         -DINSTALL_DIR=build/peers/litellm-1.85.0 -P peers/litellm/pip_install.cmake
# The venv is INSTALL_DIR/venv (the proxy: INSTALL_DIR/venv/bin/litellm); how it is installed
# (hashes, wheels only, the stamp, the lock) is cmake/pip_install.cmake. A lock that pins one of
# the two compromised releases, 1.82.7 or 1.82.8, is refused whatever else it says.
foreach(var PYTHON LOCK INSTALL_DIR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "litellm_pip_install: -D${var}=... is required")
  endif()
endforeach()
if(EXISTS "${LOCK}")
  file(READ "${LOCK}" wanted)
  if(wanted MATCHES "(^|\n)litellm==(1\\.82\\.[78])[ \\\\\n]")
    message(FATAL_ERROR "litellm_pip_install: ${LOCK} pins litellm ${CMAKE_MATCH_2}, a compromised release that must never be installed")
  endif()
endif()
include("${CMAKE_CURRENT_LIST_DIR}/../../cmake/pip_install.cmake")
midstream_pip_install(litellm_pip_install "${LOCK}" "${INSTALL_DIR}" "${PYTHON}" "litellm"
                      "the pinned LiteLLM proxy")
if(NOT EXISTS "${INSTALL_DIR}/venv/bin/litellm")
  message(FATAL_ERROR "litellm_pip_install: litellm is installed but ${INSTALL_DIR}/venv/bin/litellm is missing")
endif()
