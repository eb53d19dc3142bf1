// The store's key-rotation subcommands of `parley keys` (cmd_keys_store.cpp).
#pragma once

#include "commands.hpp"

namespace parley::app {

command add_keys_rotate_root(CLI::App& keys);
command add_keys_rotate_tenant(CLI::App& keys);

}  // namespace parley::app
