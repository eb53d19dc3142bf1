// Precompiled for test targets (cmake/build_speed.cmake): common.hpp plus GoogleTest/GMock.
#pragma once
#include "common.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
