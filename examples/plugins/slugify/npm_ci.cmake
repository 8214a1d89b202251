# Installs the AssemblyScript compiler into DIR/node_modules with `npm ci`
# (the exact versions of DIR/package-lock.json), for the slugify example.
#
#   cmake -DNPM=<npm> -DDIR=<build dir of the example> -P npm_ci.cmake
#
# npm fetches the packages from the npm registry (or its cache): without
# it the example cannot be built, and the build must say so plainly.
if(NOT NPM OR NOT EXISTS "${NPM}")
  message(FATAL_ERROR "slugify example: npm not found; the AssemblyScript "
                      "compiler is installed with npm (Node.js >= 20 with "
                      "npm)")
endif()
execute_process(COMMAND "${NPM}" ci --no-audit --no-fund --ignore-scripts
                        --loglevel=error
                WORKING_DIRECTORY "${DIR}"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "slugify example: `npm ci` failed in ${DIR} (exit "
                      "${rc}): the AssemblyScript compiler comes from the "
                      "npm registry, which must be reachable (or npm's "
                      "cache must hold assemblyscript 0.27.9)")
endif()
