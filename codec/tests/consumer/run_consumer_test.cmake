# Installs the codec from BUILD_DIR into a fresh prefix under WORK_DIR, then configures, builds and
# runs the consumer project against it. Run with cmake -P; any failing step fails the test.
foreach(var BUILD_DIR WORK_DIR SOURCE_DIR CXX_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_consumer_test.cmake needs -D${var}=...")
  endif()
endforeach()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer test: ${what} failed (${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "${what}: ok")
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

step("install the codec" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix} --component codec)
if(NOT EXISTS ${prefix}/include/mqttspec/codec/codec.hpp)
  message(FATAL_ERROR "consumer test: the install has no mqttspec/codec/codec.hpp")
endif()
step("configure the consumer" ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build
     -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=Release
     # The same flags as the library (sanitizer builds need them to link).
     "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}")
step("build the consumer" ${CMAKE_COMMAND} --build ${WORK_DIR}/build)
step("run the consumer" ${WORK_DIR}/build/consumer)
if(NOT step_output MATCHES "invalid_qos")
  message(FATAL_ERROR "consumer test: unexpected output: ${step_output}")
endif()
