#include "actors/storage_actor.hpp"

#include "actors/messages.hpp"

#include <spdlog/spdlog.h>

namespace so::actors {

namespace {

caf::behavior storage_actor(caf::event_based_actor* self, adapters::storage_ptr storage,
                            adapters::knowledge_base_ptr knowledge) {
  self->set_default_handler(caf::drop);
  return {
      [storage, knowledge](run_atom, storage_job& job) -> caf::message {
        try {
          return job.run(*storage, *knowledge);
        } catch (const std::exception& e) {
          // Jobs built by storage_calls.hpp catch their own errors; this guards hand-made ones.
          spdlog::error("storage job failed outside its handler: {}", e.what());
          return caf::make_message(caf::make_error(caf::sec::runtime_error, e.what()));
        }
      },
  };
}

}  // namespace

caf::actor spawn_storage_actor(caf::actor_system& sys, adapters::storage_ptr storage,
                               adapters::knowledge_base_ptr knowledge) {
  return sys.spawn<caf::detached>(storage_actor, std::move(storage), std::move(knowledge));
}

}  // namespace so::actors
