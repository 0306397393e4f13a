#pragma once
// Templates with {name} placeholders, and command lines split into words without a shell: the
// pure text handling of the launch-command target (command_target.cpp) and of the config
// templates it fills (nginx_config.*, a user's --config-format template=FILE).
#include <map>
#include <set>
#include <string>
#include <vector>

namespace midstream::targets {

// The words of a command line, split as a POSIX shell splits them but without running one:
// blanks separate words, '...' quotes everything, "..." quotes all but \" \\ \$ \` (which lose
// their backslash), and outside quotes a backslash keeps the next character. Nothing is expanded
// and there are no pipes, redirections or `&&`: a command that needs them runs `sh -c '...'`.
// Throws std::invalid_argument for an unterminated quote or a command with no word.
std::vector<std::string> split_command(const std::string& command);

// The {name} placeholders a text holds: a brace, a lower-case name of [a-z0-9_.] that starts with
// a letter, a brace, not after a '$'. Other braces (`events {`, `{"a": 1}`, `${x}`) are plain text.
std::set<std::string> placeholders_in(const std::string& text);

// Replaces every {name} with values.at(name), in one pass (a value is never expanded again).
// Throws std::invalid_argument for a placeholder with no value, naming `what` (e.g. "the
// command"), the placeholder and the known names.
std::string expand_placeholders(const std::string& text, const std::map<std::string, std::string>& values,
                                const std::string& what);

}  // namespace midstream::targets
