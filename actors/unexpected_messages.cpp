// actors/unexpected_messages.cpp — see unexpected_messages.hpp.
#include "actors/unexpected_messages.hpp"

#include "actors/io_scheduler.hpp"

#include <spdlog/spdlog.h>
#include <caf/actor_system.hpp>
#include <caf/message_view.hpp>

namespace so::actors {

namespace {
std::atomic<std::uint64_t>* counter_of(const caf::actor_system& sys) {
  auto* cfg = dynamic_cast<const io_scheduler_config*>(&sys.config());
  return cfg != nullptr ? &cfg->unexpected_messages : nullptr;
}
}  // namespace

caf::scheduled_actor::default_handler log_unexpected(const char* actor_name) {
  return
      [actor_name](caf::scheduled_actor* self, caf::message_view& x) -> caf::result<caf::message> {
        if (auto* n = counter_of(self->system())) n->fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("actor {} ({}): unexpected message dropped: {}", actor_name, self->id(),
                     caf::to_string(x.copy_content_to_message()));
        return caf::drop(self, x);
      };
}

std::uint64_t unexpected_message_count(const caf::actor_system& sys) {
  auto* n = counter_of(sys);
  return n != nullptr ? n->load(std::memory_order_relaxed) : 0;
}

}  // namespace so::actors
