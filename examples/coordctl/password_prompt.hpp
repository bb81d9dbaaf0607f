// Reads a password the way etcdctl v2 does (speakeasy): the prompt on stdout, terminal echo off
// while the line is typed (when stdin is a terminal), the line trimmed of surrounding white
// space, then a newline on stdout. Single-threaded use.
#pragma once

#include <string>

namespace coord::examples {

std::string ask_password(const std::string& prompt);

}  // namespace coord::examples
