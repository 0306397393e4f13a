#pragma once
// The API a scenario's client calls. Its name is what scenario files, --front and the reports
// say; its dialect is what the client speaks. A new front is a value here and its row in
// front.cpp's table.
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wire/events.h"

namespace midstream::harness {

enum class Front {
  Chat,       // "chat": POST /v1/chat/completions
  Responses,  // "responses": POST /v1/responses
};

std::string_view to_string(Front front);
// The front a name stands for; nullopt for a name no front has.
std::optional<Front> front_from_string(std::string_view name);
// Every front's name, in the table's order (a loader's or an option's list of what is allowed).
const std::vector<std::string>& front_names();
// The wire dialect the client speaks on this front.
wire::Dialect front_dialect(Front front);
std::ostream& operator<<(std::ostream& out, Front front);  // the name: readable test failures

}  // namespace midstream::harness
