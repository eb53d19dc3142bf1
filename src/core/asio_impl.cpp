// The one translation unit that compiles Asio (and its TLS support). Every other file includes
// Asio's headers with BOOST_ASIO_SEPARATE_COMPILATION defined (public on parley::core), so Asio's
// implementation is compiled once instead of in every file.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
