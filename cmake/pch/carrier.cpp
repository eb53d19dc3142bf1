// Carrier translation unit of a precompiled header (cmake/build_speed.cmake).
