// tests/support/net/fake_gateway.cpp — see fake_gateway.hpp.
//
// Blocking Beast I/O on plain threads keeps this simple: an acceptor thread
// and one thread per connection, serving its requests in turn. Shutdown
// wakes blocked threads with shutdown(2) on their sockets (thread-safe at the
// OS level, unlike closing an Asio socket from another thread).
#include "tests/support/net/fake_gateway.hpp"

#include "tests/support/net/sync_io.hpp"

#include "protocol/json.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <type_traits>

namespace so::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace adapters::llm;

// ---- self-signed certificate (OpenSSL 3) -----------------------------------------

struct pem_pair {
  std::string cert;
  std::string key;
};

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

void add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) throw std::runtime_error("fake_gateway: cannot build certificate extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A P-256 key and a self-signed certificate for "localhost" (SAN DNS:localhost only,
// so connecting as 127.0.0.1 must fail host name verification).
pem_pair make_localhost_certificate() {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  if (!key || !cert) throw std::runtime_error("fake_gateway: key generation failed");
  X509_set_version(cert.get(), 2);
  unsigned char serial[8];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7F;  // positive
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(BN_bin2bn(serial, sizeof serial, nullptr),
                                                 BN_free);
  BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get()));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7L * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign");
  add_extension(cert.get(), NID_subject_key_identifier, "hash");
  add_extension(cert.get(), NID_subject_alt_name, "DNS:localhost");
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    throw std::runtime_error("fake_gateway: certificate signing failed");
  }
  pem_pair out;
  std::unique_ptr<BIO, decltype(&BIO_free)> cbio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(cbio.get(), cert.get());
  out.cert = bio_text(cbio.get());
  std::unique_ptr<BIO, decltype(&BIO_free)> kbio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey(kbio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  out.key = bio_text(kbio.get());
  return out;
}

std::string write_temp_file(const std::string& text) {
  char path[] = "/tmp/so-fake-gateway-XXXXXX.pem";
  const int fd = ::mkstemps(path, 4);
  if (fd < 0) throw std::runtime_error("fake_gateway: cannot create the CA file");
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok) throw std::runtime_error("fake_gateway: cannot write the CA file");
  return path;
}

// ---- OpenAI-style SSE chunks ------------------------------------------------------

using protocol::json_writer;
using protocol::write_key;
using protocol::write_string;

// One `chat.completion.chunk` whose choices[0] is written by `choice` (or no
// choices at all when `choice` is null), plus an optional usage object.
template <class ChoiceFn>
std::string chunk_json(ChoiceFn&& choice, const token_usage* usage) {
  rapidjson::StringBuffer sb;
  json_writer w(sb);
  w.StartObject();
  write_key(w, "id");
  write_string(w, "chatcmpl-fake");
  write_key(w, "object");
  write_string(w, "chat.completion.chunk");
  write_key(w, "model");
  write_string(w, "fake-gateway");
  write_key(w, "choices");
  w.StartArray();
  if constexpr (!std::is_same_v<std::decay_t<ChoiceFn>, std::nullptr_t>) {
    w.StartObject();
    write_key(w, "index");
    w.Uint(0);
    choice(w);
    w.EndObject();
  }
  w.EndArray();
  if (usage != nullptr) {
    write_key(w, "usage");
    w.StartObject();
    write_key(w, "prompt_tokens");
    w.Uint64(usage->prompt_tokens);
    write_key(w, "completion_tokens");
    w.Uint64(usage->completion_tokens);
    write_key(w, "total_tokens");
    w.Uint64(usage->total_tokens);
    w.EndObject();
  }
  w.EndObject();
  return "data: " + std::string(sb.GetString(), sb.GetSize()) + "\n\n";
}

std::string delta_chunk(const std::function<void(json_writer&)>& delta) {
  return chunk_json(
      [&](json_writer& w) {
        write_key(w, "delta");
        w.StartObject();
        delta(w);
        w.EndObject();
        write_key(w, "finish_reason");
        w.Null();
      },
      nullptr);
}

std::string tool_call_chunk(std::size_t index, const std::string* id, const std::string* name,
                            const std::string* arguments) {
  return delta_chunk([&](json_writer& w) {
    write_key(w, "tool_calls");
    w.StartArray();
    w.StartObject();
    write_key(w, "index");
    w.Uint64(index);
    if (id != nullptr) {
      write_key(w, "id");
      write_string(w, *id);
      write_key(w, "type");
      write_string(w, "function");
    }
    write_key(w, "function");
    w.StartObject();
    if (name != nullptr) {
      write_key(w, "name");
      write_string(w, *name);
    }
    write_key(w, "arguments");
    write_string(w, arguments != nullptr ? *arguments : std::string());
    w.EndObject();
    w.EndObject();
    w.EndArray();
  });
}

// The SSE events of a script's stream. Usage goes after the finish chunk, where
// OpenAI puts it with `stream_options.include_usage`.
std::vector<std::string> sse_events(const std::vector<stream_event>& events) {
  std::vector<std::string> out;
  std::optional<token_usage> usage;
  const auto flush_usage = [&] {
    if (usage) out.push_back(chunk_json(nullptr, &*usage));
    usage.reset();
  };
  for (const auto& e : events) {
    if (auto* c = std::get_if<content_delta>(&e)) {
      out.push_back(delta_chunk([&](json_writer& w) {
        write_key(w, "content");
        write_string(w, c->text);
      }));
    } else if (auto* r = std::get_if<reasoning_delta>(&e)) {
      out.push_back(delta_chunk([&](json_writer& w) {
        write_key(w, "reasoning_content");
        write_string(w, r->text);
      }));
    } else if (auto* s = std::get_if<tool_call_start>(&e)) {
      out.push_back(tool_call_chunk(s->index, &s->id, &s->name, nullptr));
    } else if (auto* a = std::get_if<tool_arguments_delta>(&e)) {
      out.push_back(tool_call_chunk(a->index, nullptr, nullptr, &a->text));
    } else if (auto* u = std::get_if<usage_report>(&e)) {
      usage = u->usage;
    } else if (auto* f = std::get_if<finish_seen>(&e)) {
      out.push_back(chunk_json(
          [&](json_writer& w) {
            write_key(w, "delta");
            w.StartObject();
            w.EndObject();
            write_key(w, "finish_reason");
            write_string(w, f->reason);
          },
          nullptr));
      flush_usage();
    } else if (std::holds_alternative<stream_complete>(e)) {
      flush_usage();
      out.push_back("data: [DONE]\n\n");
    }
  }
  return out;
}

std::string error_json(const std::string& message) {
  rapidjson::StringBuffer sb;
  json_writer w(sb);
  w.StartObject();
  write_key(w, "error");
  w.StartObject();
  write_key(w, "message");
  write_string(w, message);
  w.EndObject();
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

struct fake_gateway::impl {
  fake_gateway_options options;
  asio::io_context io;  // only hosts the sockets; all I/O is blocking
  tcp::acceptor acceptor{io};
  std::unique_ptr<ssl::context> tls;
  std::string ca_path;
  std::uint16_t port = 0;
  std::thread accept_thread;

  mutable std::mutex mu;
  std::condition_variable cv;
  std::deque<script_entry> script;
  std::deque<gateway_fault> faults;
  std::vector<recorded_request> requests;
  std::size_t events_sent = 0;
  std::size_t releases = 0;
  std::size_t connections = 0;
  std::size_t resumed_handshakes = 0;
  std::size_t model_infos = 0;
  bool stopping = false;
  std::vector<std::thread> workers;
  std::set<int> live_fds;
  struct route_queue {
    std::deque<std::pair<script_entry, gateway_fault>> answers;
    std::size_t releases = 0;
  };
  std::map<std::string, route_queue> routes;

  void accept_loop() {
    for (;;) {
      tcp::socket socket(io);
      beast::error_code ec;
      acceptor.accept(socket, ec);
      std::lock_guard lock(mu);
      if (stopping) return;
      if (ec) continue;
      ++connections;
      live_fds.insert(socket.native_handle());
      workers.emplace_back(
          [this, s = std::move(socket)]() mutable { serve_connection(std::move(s)); });
    }
  }

  void serve_connection(tcp::socket socket) {
    const int fd = socket.native_handle();
    beast::flat_buffer buffer;  // bytes past one request belong to the next
    if (tls) {
      ssl::stream<tcp::socket&> stream(socket, *tls);
      beast::error_code ec;
      stream.handshake(ssl::stream_base::server, ec);
      if (!ec) {
        if (SSL_session_reused(stream.native_handle()) == 1) {
          std::lock_guard lock(mu);
          ++resumed_handshakes;
        }
        while (serve(stream, buffer) && !options.close_after_answer) {
        }
      }
    } else {
      while (serve(socket, buffer) && !options.close_after_answer) {
      }
    }
    // Forget the descriptor before it is closed, so a shutdown(2) from the
    // destructor can never hit a reused descriptor.
    std::lock_guard lock(mu);
    live_fds.erase(fd);
    beast::error_code ignored;
    socket.close(ignored);
  }

  // Waits for one release() (or `timeout`, or shutdown). True when released. `route`:
  // wait for that route's release_route() instead.
  bool wait_release(std::optional<std::chrono::milliseconds> timeout,
                    const std::string* route = nullptr) {
    std::unique_lock lock(mu);
    std::size_t& count = route ? routes[*route].releases : releases;
    const auto ready = [&] { return count > 0 || stopping; };
    if (timeout) {
      cv.wait_for(lock, *timeout, ready);
    } else {
      cv.wait(lock, ready);
    }
    if (count == 0) return false;
    --count;
    return true;
  }

  bool sleep_unless_stopping(std::chrono::milliseconds d) {
    std::unique_lock lock(mu);
    return !cv.wait_for(lock, d, [&] { return stopping; });
  }

  // True when the connection may serve another request.
  template <class Stream>
  bool write_simple(Stream& stream, http::status status, const std::string& body,
                    const std::optional<std::string>& retry_after, bool keep) {
    http::response<http::string_body> res{status, 11};
    res.set(http::field::content_type, "application/json");
    if (retry_after) res.set(http::field::retry_after, *retry_after);
    res.keep_alive(keep);
    res.body() = body;
    res.prepare_payload();
    beast::error_code ec;
    http::write(stream, res, ec);
    return keep && !ec;
  }

  // Serves one request; true when the connection may serve another.
  template <class Stream>
  bool serve(Stream& stream, beast::flat_buffer& buffer) {
    http::request<http::string_body> req;
    beast::error_code ec;
    http::read(stream, buffer, req, ec);
    if (ec) return false;
    const bool keep = options.keep_alive && req.keep_alive();

    recorded_request rec;
    rec.method = std::string(req.method_string());
    rec.target = std::string(req.target());
    rec.authorization = std::string(req[http::field::authorization]);
    rec.body = req.body();
    for (const auto& f : req) rec.headers.emplace_back(f.name_string(), f.value());

    std::optional<gateway_fault> fault;
    std::optional<script_entry> entry;
    const bool is_chat =
        req.method() == http::verb::post &&
        ends_with(std::string_view(req.target().data(), req.target().size()), "/chat/completions");
    std::optional<std::string> routed;
    if (is_chat) {
      rapidjson::Document body;
      body.Parse(req.body().data(), req.body().size());
      if (!body.HasParseError() && body.IsObject() && body.HasMember("model") &&
          body["model"].IsString())
        routed = body["model"].GetString();
    }
    const bool is_info =
        req.method() == http::verb::get &&
        ends_with(std::string_view(req.target().data(), req.target().size()), "/model/info");
    {
      std::lock_guard lock(mu);
      if (is_info)
        ++model_infos;
      else
        requests.push_back(std::move(rec));
      if (routed && routes.count(*routed) == 0) routed.reset();
      if (is_chat && routed) {
        auto& q = routes[*routed].answers;
        if (!q.empty()) {
          entry = std::move(q.front().first);
          if (q.front().second.what != gateway_fault::kind::none) fault = q.front().second;
          q.pop_front();
        }
      } else if (is_chat) {
        if (!faults.empty()) {
          fault = faults.front();
          faults.pop_front();
        }
        const bool consumes = !fault || fault->what != gateway_fault::kind::http_status;
        if (consumes && !script.empty()) {
          entry = std::move(script.front());
          script.pop_front();
        }
      }
    }
    if (is_info && options.model_info)
      return write_simple(stream, http::status::ok, *options.model_info, std::nullopt, keep);
    if (!is_chat) return write_simple(stream, http::status::not_found, "{}", std::nullopt, keep);
    if (fault && fault->what == gateway_fault::kind::http_status) {
      return write_simple(stream, static_cast<http::status>(fault->status), fault->body,
                          fault->retry_after, keep);
    }
    if (entry && entry->what == script_entry::kind::failure) {
      return write_simple(stream, http::status::bad_request, error_json(entry->text), std::nullopt,
                          keep);
    }
    const std::vector<stream_event> events =
        entry ? script_events(*entry)
              : std::vector<stream_event>{finish_seen{"stop"}, stream_complete{}};
    return stream_sse(stream, sse_events(events), fault, keep, routed ? &*routed : nullptr);
  }

  // True when the whole stream was written and the connection may serve another.
  template <class Stream>
  bool stream_sse(Stream& stream, const std::vector<std::string>& events,
                  const std::optional<gateway_fault>& fault, bool keep,
                  const std::string* route = nullptr) {
    http::response<http::empty_body> res{http::status::ok, 11};
    res.set(http::field::content_type, "text/event-stream");
    res.set(http::field::cache_control, "no-cache");
    res.keep_alive(keep);
    res.chunked(true);
    http::response_serializer<http::empty_body> sr{res};
    beast::error_code ec;
    http::write_header(stream, sr, ec);
    if (ec) return false;
    {
      std::lock_guard lock(mu);
      events_sent = 0;
    }
    const auto write_chunk = [&](const std::string& text) {
      asio::write(stream, http::make_chunk(asio::buffer(text)), ec);
      return !ec;
    };
    const auto is = [&](gateway_fault::kind k) { return fault && fault->what == k; };

    if (is(gateway_fault::kind::malformed_line) && !write_chunk("data: {this is not json\n\n")) {
      return false;
    }
    if (is(gateway_fault::kind::hold_first)) {
      wait_release(fault->delay.count() > 0 ? std::optional(fault->delay) : std::nullopt, route);
      std::lock_guard lock(mu);
      if (stopping) return false;
    }
    for (std::size_t i = 0; i < events.size(); ++i) {
      if (i > 0 && options.chunk_delay.count() > 0 && !sleep_unless_stopping(options.chunk_delay)) {
        return false;
      }
      if (options.hold_last && i + 1 == events.size() && !wait_release(std::nullopt)) return false;
      if (!write_chunk(events[i])) return false;
      {
        std::lock_guard lock(mu);
        ++events_sent;
      }
      cv.notify_all();
      if (i == 0 && is(gateway_fault::kind::drop_mid_stream)) return false;  // no final chunk
      if (i == 0 && is(gateway_fault::kind::stall)) {
        wait_release(fault->delay, route);
        std::lock_guard lock(mu);
        if (stopping) return false;
      }
    }
    asio::write(stream, http::make_chunk_last(), ec);
    return keep && !ec;
  }
};

fake_gateway::fake_gateway(std::vector<script_entry> script, fake_gateway_options options)
    : impl_(std::make_unique<impl>()) {
  impl_->options = options;
  impl_->script.assign(script.begin(), script.end());
  if (options.tls) {
    const pem_pair pem = make_localhost_certificate();
    impl_->tls = std::make_unique<ssl::context>(ssl::context::tls_server);
    impl_->tls->use_certificate_chain(asio::buffer(pem.cert));
    impl_->tls->use_private_key(asio::buffer(pem.key), ssl::context::pem);
    impl_->ca_path = write_temp_file(pem.cert);
  }
  impl_->port = listen_on_loopback(impl_->acceptor);
  impl_->accept_thread = std::thread([this] { impl_->accept_loop(); });
}

fake_gateway::~fake_gateway() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
    for (int fd : impl_->live_fds) ::shutdown(fd, SHUT_RDWR);
  }
  impl_->cv.notify_all();
  {
    // Wake the blocking accept with a throwaway connection.
    tcp::socket waker(impl_->io);
    beast::error_code ec;
    waker.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), impl_->port), ec);
  }
  impl_->accept_thread.join();
  for (auto& t : impl_->workers) t.join();  // no new workers once the acceptor stopped
  if (!impl_->ca_path.empty()) std::remove(impl_->ca_path.c_str());
}

std::string fake_gateway::base_url() const {
  return (impl_->tls ? "https://localhost:" : "http://127.0.0.1:") + std::to_string(impl_->port) +
         "/v1";
}

std::uint16_t fake_gateway::port() const {
  return impl_->port;
}

std::string fake_gateway::ca_file() const {
  return impl_->ca_path;
}

void fake_gateway::push_fault(gateway_fault f) {
  std::lock_guard lock(impl_->mu);
  impl_->faults.push_back(std::move(f));
}

void fake_gateway::route(const std::string& model, script_entry e, gateway_fault f) {
  std::lock_guard lock(impl_->mu);
  impl_->routes[model].answers.emplace_back(std::move(e), std::move(f));
}

void fake_gateway::release_route(const std::string& model) {
  {
    std::lock_guard lock(impl_->mu);
    ++impl_->routes[model].releases;
  }
  impl_->cv.notify_all();
}

void fake_gateway::push(script_entry e) {
  std::lock_guard lock(impl_->mu);
  impl_->script.push_back(std::move(e));
}

std::vector<recorded_request> fake_gateway::requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests;
}

std::size_t fake_gateway::model_info_requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->model_infos;
}

std::size_t fake_gateway::events_sent() const {
  std::lock_guard lock(impl_->mu);
  return impl_->events_sent;
}

bool fake_gateway::wait_events_sent(std::size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [&] { return impl_->events_sent >= n; });
}

std::size_t fake_gateway::connections() const {
  std::lock_guard lock(impl_->mu);
  return impl_->connections;
}

std::size_t fake_gateway::resumed_handshakes() const {
  std::lock_guard lock(impl_->mu);
  return impl_->resumed_handshakes;
}

void fake_gateway::release() {
  {
    std::lock_guard lock(impl_->mu);
    ++impl_->releases;
  }
  impl_->cv.notify_all();
}

}  // namespace so::test
