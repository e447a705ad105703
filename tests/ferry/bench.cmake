# Smoke runs of every benchmark in bench/ (issue 6): each script runs its real code path at tiny
# size against a real `ferry sandbox` (and `ferry server` when this binary has it) and exits
# non-zero unless it produced numbers. Full runs are `bench/run-all`, never part of the tests.
set(FERRY_BENCH_SMOKE_DIR ${CMAKE_CURRENT_BINARY_DIR}/bench-smoke)
set(FERRY_BENCH_ENV "FERRY_BIN=$<TARGET_FILE:ferry>")
set(FERRY_BENCH_SCRIPTS sandbox deploy fleet footprint api gate delegates)
if(FERRY_BUILD_BENCH AND NOT FERRY_SANITIZE AND EXISTS ${CMAKE_SOURCE_DIR}/bench/CMakeLists.txt)
  list(APPEND FERRY_BENCH_ENV "FERRY_BENCH_SEED=$<TARGET_FILE:ferry_bench_seed>"
       "FERRY_BENCH_JUDGE=$<TARGET_FILE:ferry_bench_judge>")
  list(APPEND FERRY_BENCH_SCRIPTS judge)  # needs the benchmark binary
endif()
set(FERRY_BENCH_TESTS)
foreach(bench ${FERRY_BENCH_SCRIPTS})
  add_test(NAME bench_smoke_${bench}
           COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/bench/${bench}.py --smoke
                   --ferry $<TARGET_FILE:ferry> --out ${FERRY_BENCH_SMOKE_DIR}/${bench}.json)
  set_tests_properties(bench_smoke_${bench} PROPERTIES LABELS integration
                       TIMEOUT ${FERRY_TEST_TIMEOUT_integration} ENVIRONMENT "${FERRY_BENCH_ENV}")
  list(APPEND FERRY_BENCH_TESTS bench_smoke_${bench})
endforeach()
# The API and many-delegates benchmarks again on PostgreSQL (a local PostgreSQL 15 they start).
foreach(bench api delegates)
  add_test(NAME bench_smoke_${bench}_postgres
           COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/bench/${bench}.py --smoke --store postgres
                   --ferry $<TARGET_FILE:ferry> --out ${FERRY_BENCH_SMOKE_DIR}/${bench}-postgres.json)
  set_tests_properties(bench_smoke_${bench}_postgres PROPERTIES LABELS integration
                       TIMEOUT ${FERRY_TEST_TIMEOUT_integration} ENVIRONMENT "${FERRY_BENCH_ENV}")
  list(APPEND FERRY_BENCH_TESTS bench_smoke_${bench}_postgres)
endforeach()
# The results writer over the smoke results (it must render whatever the run produced).
add_test(NAME bench_smoke_results
         COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/bench/write_results.py
                 --results ${FERRY_BENCH_SMOKE_DIR} --out ${FERRY_BENCH_SMOKE_DIR}/RESULTS.md
                 --ferry $<TARGET_FILE:ferry> --command "ctest bench_smoke_*")
set_tests_properties(bench_smoke_results PROPERTIES LABELS integration
                     TIMEOUT ${FERRY_TEST_TIMEOUT_integration}
                     DEPENDS "${FERRY_BENCH_TESTS}"
                     PASS_REGULAR_EXPRESSION "wrote .*RESULTS.md")
