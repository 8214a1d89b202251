# Stands in for tests that cannot run, so that CTest reports a clear reason
# instead of passing silently. Usage: cmake -DMSG=text -P fail.cmake
message(FATAL_ERROR "${MSG}")
