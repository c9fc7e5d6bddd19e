# mqttspec_add_gtest_shards(<target> SHARDS <n> [TIMEOUT <s>] [RESULTS_DIR <dir>] [FIXTURE <name>])
#
# Registers a GoogleTest binary as <n> ctest tests, <target>-shard-<i>, each running every n-th test
# (GTEST_TOTAL_SHARDS / GTEST_SHARD_INDEX), instead of one process per test (gtest_discover_tests).
# Why: under ASan a process of these binaries takes 0.4-0.8 s to start (globals to register,
# packet vectors to parse), which over ~2000 tests made the sanitizer pass of ci/test ~10 minutes
# longer than the tests themselves. A failing shard prints the failing tests' names; run one alone
# with `bin/<target> --gtest_filter=Suite.Name`.
#
# RESULTS_DIR: each shard writes there gtest-<i>.json (--gtest_output) and proofs-<i>.log
# (MQTTSPEC_PROOF_LOG, see conformance/tests/fake_broker.hpp), emptied first by a setup test, so a
# later test can read what this run saw: declare it with FIXTURES_REQUIRED <FIXTURE>.
function(mqttspec_add_gtest_shards target)
  cmake_parse_arguments(ARG "" "SHARDS;TIMEOUT;RESULTS_DIR;FIXTURE" "" ${ARGN})
  if(NOT ARG_SHARDS)
    message(FATAL_ERROR "mqttspec_add_gtest_shards(${target}): SHARDS is required")
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 900)
  endif()
  math(EXPR last "${ARG_SHARDS} - 1")
  if(ARG_RESULTS_DIR)
    # Results of an earlier run must not count for this one; the shards append to their logs.
    set(reset ${CMAKE_CURRENT_BINARY_DIR}/${target}-results-reset.cmake)
    file(WRITE ${reset} "file(REMOVE_RECURSE \"${ARG_RESULTS_DIR}\")\nfile(MAKE_DIRECTORY \"${ARG_RESULTS_DIR}\")\n")
    add_test(NAME ${target}-results-reset COMMAND ${CMAKE_COMMAND} -P ${reset})
    set_tests_properties(${target}-results-reset PROPERTIES FIXTURES_SETUP ${target}-results-dir)
  endif()
  foreach(i RANGE ${last})
    set(name ${target}-shard-${i})
    set(env "GTEST_TOTAL_SHARDS=${ARG_SHARDS};GTEST_SHARD_INDEX=${i}")
    set(args "")
    if(ARG_RESULTS_DIR)
      list(APPEND env "MQTTSPEC_PROOF_LOG=${ARG_RESULTS_DIR}/proofs-${i}.log")
      set(args "--gtest_output=json:${ARG_RESULTS_DIR}/gtest-${i}.json")
    endif()
    add_test(NAME ${name} COMMAND $<TARGET_FILE:${target}> ${args})
    set_tests_properties(${name} PROPERTIES
      ENVIRONMENT "${env}"
      TIMEOUT ${ARG_TIMEOUT}
      WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}
      # A binary that ran no test at all (a filter or sharding gone wrong) must not pass.
      FAIL_REGULAR_EXPRESSION "\\[==========\\] 0 tests")
    if(ARG_RESULTS_DIR)
      set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED ${target}-results-dir)
      if(ARG_FIXTURE)
        set_tests_properties(${name} PROPERTIES FIXTURES_SETUP ${ARG_FIXTURE})
      endif()
    endif()
  endforeach()
endfunction()
