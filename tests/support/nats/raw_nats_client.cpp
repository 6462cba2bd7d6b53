// tests/support/nats/raw_nats_client.cpp — see raw_nats_client.hpp.
#include "tests/support/nats/raw_nats_client.hpp"

#include <nats/nats.h>

#include <cstdlib>
#include <stdexcept>

namespace so::test::nats {

struct raw_nats_client::impl {
  natsConnection* nc = nullptr;
  natsSubscription* sub = nullptr;
};

namespace {
void check(natsStatus s, const char* what) {
  if (s != NATS_OK)
    throw std::runtime_error(std::string("raw nats client: ") + what + ": " +
                             natsStatus_GetText(s));
}
}  // namespace

raw_nats_client::raw_nats_client(const std::string& url) : impl_(std::make_unique<impl>()) {
  natsOptions* opts = nullptr;
  check(natsOptions_Create(&opts), "options");
  natsStatus s = natsOptions_SetURL(opts, url.c_str());
  if (s == NATS_OK) s = natsOptions_SetAllowReconnect(opts, false);
  if (s == NATS_OK) s = natsConnection_Connect(&impl_->nc, opts);
  natsOptions_Destroy(opts);
  check(s, "connect");
}

raw_nats_client::~raw_nats_client() {
  if (impl_->sub != nullptr) natsSubscription_Destroy(impl_->sub);
  if (impl_->nc != nullptr) {
    natsConnection_Close(impl_->nc);
    natsConnection_Destroy(impl_->nc);
  }
}

void raw_nats_client::publish(const std::string& subject, std::string_view payload) {
  check(natsConnection_Publish(impl_->nc, subject.c_str(), payload.data(),
                               static_cast<int>(payload.size())),
        "publish");
  check(natsConnection_FlushTimeout(impl_->nc, 5000), "flush");
}

void raw_nats_client::subscribe(const std::string& subject) {
  if (impl_->sub != nullptr) throw std::logic_error("raw nats client: one subscription only");
  check(natsConnection_SubscribeSync(&impl_->sub, impl_->nc, subject.c_str()), "subscribe");
  check(natsConnection_FlushTimeout(impl_->nc, 5000), "flush");
}

std::optional<raw_message> raw_nats_client::next(std::chrono::milliseconds timeout) {
  if (impl_->sub == nullptr) throw std::logic_error("raw nats client: not subscribed");
  natsMsg* msg = nullptr;
  if (natsSubscription_NextMsg(&msg, impl_->sub, timeout.count()) != NATS_OK) return std::nullopt;
  raw_message out;
  out.subject = natsMsg_GetSubject(msg);
  if (const char* d = natsMsg_GetData(msg))
    out.payload.assign(d, static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
  if (const char* r = natsMsg_GetReply(msg)) out.reply = r;
  const char** keys = nullptr;
  int count = 0;
  if (natsMsgHeader_Keys(msg, &keys, &count) == NATS_OK) {
    for (int i = 0; i < count; ++i) {
      const char* v = nullptr;
      if (natsMsgHeader_Get(msg, keys[i], &v) == NATS_OK && v != nullptr) out.headers[keys[i]] = v;
    }
    std::free(static_cast<void*>(keys));
  }
  natsMsg_Destroy(msg);
  return out;
}

}  // namespace so::test::nats
