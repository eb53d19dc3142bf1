include_guard(GLOBAL)
include(GoogleTest)

# parley_component(<name>
#   SOURCES      <.cpp and private .hpp>
#   DEPS         <targets used in public headers>
#   PRIVATE_DEPS <implementation-only targets>
#   TESTS        <*_test.cpp>
#   TEST_DEPS    <extra targets for the tests, e.g. parley::core_testing>)
#
# Makes the static library parley_<name> (alias parley::<name>) whose public headers live in
# include/parley/<name>/, and, when tests are on, the test binary parley_<name>_tests labelled
# <name> (prefix "<name>."). Path = namespace = target: src/<name>/ <-> parley::<name>.
function(parley_component name)
  cmake_parse_arguments(arg "" "" "SOURCES;DEPS;PRIVATE_DEPS;TESTS;TEST_DEPS;TEST_LABELS" ${ARGN})
  set(target parley_${name})
  add_library(${target} STATIC ${arg_SOURCES})
  add_library(parley::${name} ALIAS ${target})
  target_include_directories(${target}
    PUBLIC  ${CMAKE_CURRENT_SOURCE_DIR}/include
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(${target} PUBLIC ${arg_DEPS} PRIVATE ${arg_PRIVATE_DEPS} parley_warnings)

  if(PARLEY_BUILD_TESTS AND arg_TESTS)
    add_executable(${target}_tests ${arg_TESTS})
    target_include_directories(${target}_tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
    target_link_libraries(${target}_tests PRIVATE
      ${target} ${arg_PRIVATE_DEPS} ${arg_TEST_DEPS} parley_warnings GTest::gmock GTest::gtest_main)
    # gtest_discover_tests flattens list-valued properties (a CMake 3.25 limitation), so each test
    # gets one label, the component's name (or TEST_LABELS, e.g. "integration"), and its name is
    # prefixed with the component: `ctest -L crypto`, `ctest -R '^crypto\.'`.
    if(arg_TEST_LABELS)
      set(label ${arg_TEST_LABELS})
    else()
      set(label ${name})
    endif()
    gtest_discover_tests(${target}_tests
      DISCOVERY_MODE PRE_TEST
      DISCOVERY_TIMEOUT 60
      TEST_PREFIX "${name}."
      PROPERTIES LABELS "${label}" TIMEOUT 120)
  endif()
endfunction()

# parley_test_support(<name> SOURCES ... DEPS ...): the testing/ fakes of a component, as the
# separate target parley::<name>_testing so that fakes never reach the production binary.
function(parley_test_support name)
  cmake_parse_arguments(arg "" "" "SOURCES;DEPS" ${ARGN})
  if(NOT PARLEY_BUILD_TESTS)
    return()
  endif()
  set(target parley_${name}_testing)
  if(arg_SOURCES)
    add_library(${target} STATIC ${arg_SOURCES})
    target_link_libraries(${target} PUBLIC parley::${name} ${arg_DEPS} PRIVATE parley_warnings)
    target_include_directories(${target} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/testing/include)
  else()
    add_library(${target} INTERFACE)
    target_link_libraries(${target} INTERFACE parley::${name} ${arg_DEPS})
    target_include_directories(${target} INTERFACE ${CMAKE_CURRENT_SOURCE_DIR}/testing/include)
  endif()
  add_library(parley::${name}_testing ALIAS ${target})
endfunction()
