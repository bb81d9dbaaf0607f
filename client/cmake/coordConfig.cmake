# CMake package configuration for coord (installed by `b2 install --prefix=DIR` into
# DIR/lib/cmake/coord). Use with CMAKE_PREFIX_PATH=DIR:
#
#   find_package(coord REQUIRED)
#   target_link_libraries(app PRIVATE coord::coord)    # client + recipes (when installed)
#
# Imported targets: coord::asio (Asio/Beast compiled once), coord::client, coord::recipes (only
# when libcoord_recipes.a is installed), coord::coord (everything installed). Paths are derived
# from this file's location, so the installed tree can be moved.
cmake_minimum_required(VERSION 3.16)

get_filename_component(_coord_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)

include(CMakeFindDependencyMacro)
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_dependency(Threads)
find_package(Boost 1.81 QUIET COMPONENTS json)
if(TARGET Boost::json)
  set(_coord_boost Boost::json Boost::headers)
else()
  set(_coord_boost boost_json)  # system Boost without CMake files: link by name
endif()
# OpenSSL is used only by coord/tls.hpp (make_tls_transport); a static link pulls it in only then.
find_package(OpenSSL QUIET)
if(TARGET OpenSSL::SSL)
  set(_coord_ssl OpenSSL::SSL OpenSSL::Crypto)
else()
  set(_coord_ssl ssl crypto)
endif()

if(NOT TARGET coord::asio)
  add_library(coord::asio STATIC IMPORTED)
  set_target_properties(coord::asio PROPERTIES
    IMPORTED_LOCATION "${_coord_prefix}/lib/libcoord_asio.a"
    INTERFACE_INCLUDE_DIRECTORIES "${_coord_prefix}/include"
    # libcoord_asio holds the compiled Asio/Beast: users must compile against it the same way.
    INTERFACE_COMPILE_DEFINITIONS "BOOST_ASIO_SEPARATE_COMPILATION;BOOST_BEAST_SEPARATE_COMPILATION;BOOST_ASIO_NO_DEPRECATED"
    INTERFACE_LINK_LIBRARIES "Threads::Threads")

  add_library(coord::client STATIC IMPORTED)
  set_target_properties(coord::client PROPERTIES
    IMPORTED_LOCATION "${_coord_prefix}/lib/libcoord_client.a"
    INTERFACE_INCLUDE_DIRECTORIES "${_coord_prefix}/include"
    INTERFACE_COMPILE_FEATURES "cxx_std_20"
    INTERFACE_LINK_LIBRARIES "coord::asio;${_coord_boost};${_coord_ssl};Threads::Threads")

  add_library(coord::coord INTERFACE IMPORTED)
  if(EXISTS "${_coord_prefix}/lib/libcoord_recipes.a")
    add_library(coord::recipes STATIC IMPORTED)
    set_target_properties(coord::recipes PROPERTIES
      IMPORTED_LOCATION "${_coord_prefix}/lib/libcoord_recipes.a"
      INTERFACE_LINK_LIBRARIES "coord::client")
    set_target_properties(coord::coord PROPERTIES INTERFACE_LINK_LIBRARIES "coord::recipes;coord::client")
  else()
    set_target_properties(coord::coord PROPERTIES INTERFACE_LINK_LIBRARIES "coord::client")
  endif()
endif()

foreach(_coord_lib asio client)
  if(NOT EXISTS "${_coord_prefix}/lib/libcoord_${_coord_lib}.a")
    set(coord_FOUND FALSE)
    set(coord_NOT_FOUND_MESSAGE "missing ${_coord_prefix}/lib/libcoord_${_coord_lib}.a")
  endif()
endforeach()
unset(_coord_lib)
unset(_coord_prefix)
