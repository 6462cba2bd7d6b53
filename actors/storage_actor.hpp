// actors/storage_actor.hpp — the one place storage and knowledge calls run.
//
// Spawned `caf::detached`: it owns a thread of its own, so adapter calls that
// block (a database round trip) never stall CAF's scheduler or the I/O thread.
// It runs `storage_job`s one at a time and answers each with the message the
// job returns. Use the helpers in actors/storage_calls.hpp instead of sending
// jobs by hand.
#pragma once

#include "adapters/knowledge/knowledge_base.hpp"
#include "adapters/storage/storage.hpp"

#include <caf/fwd.hpp>

namespace so::actors {

/// Spawns the storage actor detached (on a thread of its own).
caf::actor spawn_storage_actor(caf::actor_system& sys, adapters::storage_ptr storage,
                               adapters::knowledge_base_ptr knowledge);

}  // namespace so::actors
