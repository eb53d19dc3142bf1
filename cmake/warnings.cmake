# INTERFACE target carrying Parley's warning flags; linked PRIVATE by every Parley target so
# that third-party headers are not held to them.
add_library(parley_warnings INTERFACE)
target_compile_options(parley_warnings INTERFACE
  -Wall -Wextra $<$<CXX_COMPILER_ID:GNU>:-Wshadow=local> -Wimplicit-fallthrough -Wno-missing-field-initializers
  $<$<BOOL:${PARLEY_WERROR}>:-Werror>)
