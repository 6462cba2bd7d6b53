// net/http_client_router.hpp — one http_client per io thread behind one handle.
//
// Each io thread has its own http_client (on its own io_context), so an LLM call
// or webhook started by a turn actor runs, and calls back, on the thread that
// started it: no hop to another thread and back. A call started from a thread
// that is not one of the pool's io threads goes to the clients round-robin.
// Thread-safety: `start` may be called from any thread (see net/http_client.hpp
// for the callbacks: they run on the chosen client's io thread).
#pragma once

#include "net/http_client.hpp"

#include <vector>

namespace so::net {

/// `contexts[i]` is the io_context `clients[i]` runs on (same order as the io
/// thread pool). Both must outlive the router and every call.
http_client_ptr make_http_client_router(std::vector<boost::asio::io_context*> contexts,
                                        std::vector<http_client_ptr> clients);

}  // namespace so::net
