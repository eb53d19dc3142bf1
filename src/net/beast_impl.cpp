// The one translation unit that compiles Beast. Every other file includes Beast's headers with
// BOOST_BEAST_SEPARATE_COMPILATION defined (public on parley::core), so Beast's implementation is
// compiled once instead of in every file (CONVENTIONS.md §10).
#include <boost/beast/src.hpp>
