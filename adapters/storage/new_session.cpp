// adapters/storage/new_session.cpp — see new_session.hpp.
#include "adapters/storage/new_session.hpp"

#include <exception>
#include <string>
#include <utility>

namespace so::adapters {

protocol::session persist_new_session(storage& st, new_session_records r) {
  auto step = [](const char* what, auto&& fn) {
    try {
      fn();
    } catch (const std::exception& e) {
      throw storage_error(std::string(what) + " failed: " + e.what());
    }
  };
  // One transaction where the adapter supports it (PostgreSQL): all four or none.
  if (auto atomic = st.create_session_records(std::move(r))) return std::move(*atomic);
  step("create conversation", [&] { st.create_conversation(r.conversation); });
  step("add user participant", [&] { st.add_participant(r.user); });
  step("add agent participant", [&] { st.add_participant(r.agent); });
  protocol::session stored;
  step("create session", [&] { stored = st.create_session(r.session); });
  return stored;
}

}  // namespace so::adapters
