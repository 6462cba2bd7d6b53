// bench/loadgen.cpp — the load generator of scripts/bench: a separate process, one thread,
// one epoll set, non-blocking sockets and its own minimal WebSocket client framing
// (handshake, masked text frames, answers to the server's pings).
//
// Every connection runs a closed loop: it sends one frame, waits for that frame's reply,
// then sends the next. Scenarios:
//   idle    open --conns connections, hold them, report the server's RSS per connection
//   ping    ping → pong
//   create  create_conversation_session → immediate_response 200
//   turn    one session per connection, then send_message turns until eventual_response
//           (stream tokens counted; TTFT = send → first stream_token)
//   flood   one connection pipelines --flood-bytes text frames without ever reading while
//           --conns others ping; reports the server's RSS growth and the pingers' latency
//
// Output: one JSON line per figure, {"name":"<--name>_<figure>","value":V,"unit":"U"}.
// The server's CPU (utime+stime of /proc/<pid>/stat) and RSS (VmRSS of /proc/<pid>/status)
// come from the pid given by --server-pid, or the process listening on --port. With
// --db-pid (a PostgreSQL postmaster), the CPU of that process and its children (the
// backends serving the server's connections) is reported as db_cpu_* and left out of
// other_cpu_pct.
//
// Safety: it connects to 127.0.0.1 only; every loop is bounded in count and time, and a
// SIGALRM watchdog (--max-time) ends the process even if the server stops answering.
// Exit codes: 0 ok (figures printed, errors counted in them), 2 bad arguments or nothing
// could connect, 3 the watchdog fired.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <random>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

// ---- options ---------------------------------------------------------------------------

struct options {
  std::string scenario;
  std::string name;  ///< prefix of every figure's name
  int port = 0;
  int conns = 50;
  double duration_s = 3;
  double warmup_s = 1;
  double hold_s = 3;
  int server_pid = 0;
  int gateway_pid = 0;
  int db_pid = 0;          ///< a database's root process (its children are counted too)
  int gateway_port = 0;    ///< mock gateway, for its /stats (turn rows)
  int expect_tokens = -1;  ///< turn: stream tokens every turn must carry
  std::size_t flood_bytes = 1 << 20;
  double flood_rss_cap_mb = 2048;  ///< the flood stops early past this server RSS growth
  double op_timeout_ms = 10'000;   ///< one op (a whole turn included)
  double connect_timeout_ms = 10'000;
  double connect_limit_s = 60;  ///< the whole connect phase
  int connect_batch = 256;      ///< connects in progress at once
  double max_time_s = 0;        ///< watchdog; 0 = derived from the other bounds
  /// Each connection's first op waits a uniform random 0..S ms after its connection
  /// opens (0: it starts at once). Why: 500 closed loops that all start together stay in
  /// phase, so every turn of a wave arrives in the same few milliseconds (a herd).
  double stagger_ms = 0;
};

[[noreturn]] void usage_exit(const std::string& why) {
  std::fprintf(stderr,
               "loadgen: %s\n"
               "usage: loadgen --scenario idle|ping|create|turn|flood --port P --name PREFIX\n"
               "  [--conns N] [--duration S] [--warmup S] [--hold S] [--server-pid PID]\n"
               "  [--gateway-pid PID] [--gateway-port P] [--db-pid PID] [--expect-tokens N]\n"
               "  [--flood-bytes B]\n"
               "  [--flood-rss-cap-mb MB (2048)]\n"
               "  [--op-timeout-ms MS] [--connect-batch N] [--connect-limit S] [--max-time S]\n"
               "  [--stagger-ms MS (0)]\n"
               "  loadgen --free-port   prints a free loopback TCP port\n",
               why.c_str());
  std::exit(2);
}

double number_arg(const std::string& flag, const char* text, double lo, double hi) {
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (*text == '\0' || *end != '\0' || !std::isfinite(v) || v < lo || v > hi) {
    usage_exit(flag + " expects a number in [" + std::to_string(lo) + ", " + std::to_string(hi) +
               "], got '" + text + "'");
  }
  return v;
}

options parse_options(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage_exit("missing value for " + flag);
      return argv[++i];
    };
    if (flag == "--scenario")
      o.scenario = value();
    else if (flag == "--name")
      o.name = value();
    else if (flag == "--port")
      o.port = static_cast<int>(number_arg(flag, value(), 1, 65535));
    else if (flag == "--conns")
      o.conns = static_cast<int>(number_arg(flag, value(), 1, 60000));
    else if (flag == "--duration")
      o.duration_s = number_arg(flag, value(), 0.1, 600);
    else if (flag == "--warmup")
      o.warmup_s = number_arg(flag, value(), 0, 60);
    else if (flag == "--stagger-ms")
      o.stagger_ms = number_arg(flag, value(), 0, 60000);
    else if (flag == "--hold")
      o.hold_s = number_arg(flag, value(), 0, 600);
    else if (flag == "--server-pid")
      o.server_pid = static_cast<int>(number_arg(flag, value(), 1, 1e9));
    else if (flag == "--gateway-pid")
      o.gateway_pid = static_cast<int>(number_arg(flag, value(), 1, 1e9));
    else if (flag == "--db-pid")
      o.db_pid = static_cast<int>(number_arg(flag, value(), 1, 1e9));
    else if (flag == "--gateway-port")
      o.gateway_port = static_cast<int>(number_arg(flag, value(), 1, 65535));
    else if (flag == "--expect-tokens")
      o.expect_tokens = static_cast<int>(number_arg(flag, value(), 0, 1e6));
    else if (flag == "--flood-bytes")
      o.flood_bytes = static_cast<std::size_t>(number_arg(flag, value(), 64, 64 << 20));
    else if (flag == "--flood-rss-cap-mb")
      o.flood_rss_cap_mb = number_arg(flag, value(), 16, 65536);
    else if (flag == "--op-timeout-ms")
      o.op_timeout_ms = number_arg(flag, value(), 10, 600'000);
    else if (flag == "--connect-batch")
      o.connect_batch = static_cast<int>(number_arg(flag, value(), 1, 10000));
    else if (flag == "--connect-limit")
      o.connect_limit_s = number_arg(flag, value(), 1, 600);
    else if (flag == "--max-time")
      o.max_time_s = number_arg(flag, value(), 1, 3600);
    else
      usage_exit("unknown argument " + flag);
  }
  static const std::set<std::string> scenarios{"idle", "ping", "create", "turn", "flood"};
  if (!scenarios.count(o.scenario))
    usage_exit("--scenario must be idle, ping, create, turn or flood");
  if (o.port == 0) usage_exit("--port is required");
  if (o.name.empty()) o.name = o.scenario;
  return o;
}

// ---- clocks, /proc -----------------------------------------------------------------------

double now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

/// The pid holding the socket that listens on `port` (IPv4 or IPv6), or 0.
int pid_listening_on(int port) {
  std::set<std::string> inodes;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::istringstream in(slurp(table));
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::vector<std::string> f;
      for (std::string w; fields >> w;) f.push_back(w);
      if (f.size() < 10 || f[3] != "0A") continue;  // 0A = LISTEN
      const auto colon = f[1].rfind(':');
      if (std::strtol(f[1].c_str() + colon + 1, nullptr, 16) == port) inodes.insert(f[9]);
    }
  }
  if (inodes.empty()) return 0;
  int found = 0;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return 0;
  while (dirent* p = readdir(proc)) {
    if (found != 0 || !std::isdigit(static_cast<unsigned char>(p->d_name[0]))) continue;
    const std::string fd_dir = std::string("/proc/") + p->d_name + "/fd";
    DIR* fds = opendir(fd_dir.c_str());
    if (fds == nullptr) continue;
    while (dirent* f = readdir(fds)) {
      char link[128];
      const ssize_t n = readlink((fd_dir + "/" + f->d_name).c_str(), link, sizeof link - 1);
      if (n <= 9) continue;
      link[n] = '\0';
      // "socket:[12345]"
      if (std::strncmp(link, "socket:[", 8) == 0 &&
          inodes.count(std::string(link + 8, static_cast<std::size_t>(n) - 9))) {
        found = std::atoi(p->d_name);
        break;
      }
    }
    closedir(fds);
  }
  closedir(proc);
  return found;
}

/// VmRSS in bytes, or -1.
double rss_bytes(int pid) {
  if (pid <= 0) return -1;
  std::istringstream in(slurp("/proc/" + std::to_string(pid) + "/status"));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atof(line.c_str() + 6) * 1024.0;
  }
  return -1;
}

/// utime+stime in seconds; pid 0 = this process; NaN when unreadable.
double cpu_seconds(int pid) {
  if (pid == 0) {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  }
  if (pid < 0) return NAN;
  const std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos) return NAN;
  std::istringstream in(stat.substr(paren + 2));
  std::vector<std::string> f;
  for (std::string w; in >> w;) f.push_back(w);
  if (f.size() < 13) return NAN;
  // Fields 14 and 15 of stat(5); index 0 here is field 3.
  return (std::atof(f[11].c_str()) + std::atof(f[12].c_str())) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

/// utime+stime in seconds of `root` and of every process whose parent it is (a
/// postmaster and its backends), by pid. Unreadable entries are skipped.
std::map<int, double> tree_cpu_seconds(int root) {
  std::map<int, double> out;
  if (root <= 0) return out;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return out;
  while (dirent* p = readdir(proc)) {
    if (!std::isdigit(static_cast<unsigned char>(p->d_name[0]))) continue;
    const int pid = std::atoi(p->d_name);
    const std::string stat = slurp(std::string("/proc/") + p->d_name + "/stat");
    const auto paren = stat.rfind(')');
    if (paren == std::string::npos || paren + 4 >= stat.size()) continue;
    // After ") ": state, then ppid.
    const int ppid = std::atoi(stat.c_str() + paren + 4);
    if (pid != root && ppid != root) continue;
    const double s = cpu_seconds(pid);
    if (std::isfinite(s)) out[pid] = s;
  }
  closedir(proc);
  return out;
}

/// Busy CPU seconds of the whole host (user+nice+system+irq+softirq).
double host_busy_seconds() {
  std::istringstream in(slurp("/proc/stat"));
  std::string cpu;
  double f[7] = {};
  in >> cpu;
  for (double& x : f) in >> x;
  return (f[0] + f[1] + f[2] + f[5] + f[6]) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// ---- figures ---------------------------------------------------------------------------

class report {
 public:
  explicit report(std::string prefix) : prefix_(std::move(prefix)) {}

  void figure(const std::string& suffix, double value, const char* unit) {
    char text[64];
    if (!std::isfinite(value)) {
      std::snprintf(text, sizeof text, "null");
    } else if (value == std::floor(value) && std::fabs(value) < 1e15) {
      std::snprintf(text, sizeof text, "%.0f", value);
    } else if (std::fabs(value) >= 1000) {
      std::snprintf(text, sizeof text, "%.1f", value);
    } else {
      std::snprintf(text, sizeof text, "%.4g", value);
    }
    std::printf("{\"name\":\"%s_%s\",\"value\":%s,\"unit\":\"%s\"}\n", prefix_.c_str(),
                suffix.c_str(), text, unit);
    std::fflush(stdout);
  }

 private:
  std::string prefix_;
};

/// Nearest-rank percentile of unsorted samples (sorts them); NaN when empty.
double percentile(std::vector<double>& samples, double p) {
  if (samples.empty()) return NAN;
  std::sort(samples.begin(), samples.end());
  auto rank = static_cast<long>(std::ceil(p / 100.0 * static_cast<double>(samples.size())));
  rank = std::clamp(rank, 1L, static_cast<long>(samples.size()));
  return samples[static_cast<std::size_t>(rank - 1)];
}

void latency_figures(report& r, const std::string& what, std::vector<double>& ms) {
  r.figure(what + "p50_ms", percentile(ms, 50), "ms");
  r.figure(what + "p90_ms", percentile(ms, 90), "ms");
  r.figure(what + "p99_ms", percentile(ms, 99), "ms");
}

/// Errors by kind (a bounded set: kinds are fixed strings or server error codes).
class error_counts {
 public:
  void add(std::string kind) {
    for (char& c : kind) {
      c = std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
    }
    if (by_kind_.size() < 32 || by_kind_.count(kind)) ++by_kind_[kind];
    ++total_;
  }
  void emit(report& r) const {
    r.figure("errors", static_cast<double>(total_), "count");
    for (const auto& [kind, n] : by_kind_)
      r.figure("error_" + kind, static_cast<double>(n), "count");
  }
  long total() const { return total_; }

 private:
  std::map<std::string, long> by_kind_;
  long total_ = 0;
};

/// CPU of the server (and the gateway, the load generator, the rest of the host) over a window.
class cpu_window {
 public:
  cpu_window(int server_pid, int gateway_pid, int db_pid = 0)
      : server_pid_(server_pid), gateway_pid_(gateway_pid), db_pid_(db_pid) {}
  void start() {
    t0_ = now_ms();
    db0_ = tree_cpu_seconds(db_pid_);
    server0_ = cpu_seconds(server_pid_);
    gateway0_ = gateway_pid_ > 0 ? cpu_seconds(gateway_pid_) : NAN;
    self0_ = cpu_seconds(0);
    host0_ = host_busy_seconds();
  }
  void stop() {
    seconds_ = (now_ms() - t0_) / 1e3;
    server_ = cpu_seconds(server_pid_) - server0_;
    gateway_ = gateway_pid_ > 0 ? cpu_seconds(gateway_pid_) - gateway0_ : NAN;
    self_ = cpu_seconds(0) - self0_;
    host_ = host_busy_seconds() - host0_;
    if (db_pid_ > 0) {
      // A backend born inside the window counts from zero; one that ended is lost (rare:
      // the server keeps its connections).
      db_ = 0;
      for (const auto& [pid, s] : tree_cpu_seconds(db_pid_)) {
        const auto before = db0_.find(pid);
        db_ += s - (before == db0_.end() ? 0.0 : before->second);
      }
    }
  }
  double db_seconds() const { return db_; }
  double server_seconds() const { return server_; }
  void emit(report& r) const {
    r.figure("server_cpu_pct", server_ / seconds_ * 100, "%");
    if (gateway_pid_ > 0) r.figure("gateway_cpu_pct", gateway_ / seconds_ * 100, "%");
    r.figure("loadgen_cpu_pct", self_ / seconds_ * 100, "%");
    if (db_pid_ > 0) r.figure("db_cpu_pct", db_ / seconds_ * 100, "%");
    // Work of every other process on the host: the noise signal of a shared machine.
    const double ours =
        server_ + self_ + (std::isfinite(gateway_) ? gateway_ : 0) + (std::isfinite(db_) ? db_ : 0);
    r.figure("other_cpu_pct", std::max(0.0, host_ - ours) / seconds_ * 100, "%");
  }

 private:
  int server_pid_, gateway_pid_, db_pid_;
  double t0_ = 0, server0_ = 0, gateway0_ = 0, self0_ = 0, host0_ = 0;
  std::map<int, double> db0_;
  double seconds_ = 1, server_ = NAN, gateway_ = NAN, self_ = NAN, host_ = NAN, db_ = NAN;
};

// ---- WebSocket client connections ----------------------------------------------------------

enum class conn_state { connecting, handshaking, open, closed };
enum class op_kind { none, ping, create, turn_create, turn_send };

struct connection {
  int id = 0;
  int fd = -1;
  conn_state state = conn_state::closed;
  bool read_side = true;  ///< false for the flooder once open: it never reads again
  bool want_write = false;
  double connect_started = 0;
  std::string in;  ///< received, not yet parsed bytes (from in_off)
  std::size_t in_off = 0;
  std::string out;  ///< bytes still to send (from out_off)
  std::size_t out_off = 0;
  std::string fragments;  ///< a fragmented message being reassembled
  // the op in flight
  op_kind op = op_kind::none;
  std::string rid;
  std::uint64_t seq = 0;
  double op_started = 0;
  double retry_at = 0;
  std::string session_id;
  bool acked = false;
  double ack_ms = -1;  ///< send → immediate_response 202
  long tokens = 0;
  double first_token_ms = -1;
  std::string text;  ///< tokens of this turn, concatenated
};

/// Scenario hooks called by the loop (all on the one thread).
class handler {
 public:
  virtual ~handler() = default;
  virtual void on_open(connection& c) = 0;
  virtual void on_text(connection& c, std::string_view text) = 0;
  virtual void on_closed(connection& c, bool by_peer) = 0;
  virtual void on_connect_failed(connection& c, const std::string& kind) = 0;
};

std::uint64_t g_rng = 0x9E3779B97F4A7C15ull;  // xorshift state; this process has one thread
std::uint32_t random32() {
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 7;
  g_rng ^= g_rng << 17;
  return static_cast<std::uint32_t>(g_rng);
}

/// Appends one masked client frame (RFC 6455 §5.2) to `out`.
void append_frame(std::string& out, int opcode, std::string_view payload) {
  out.push_back(static_cast<char>(0x80 | opcode));
  const std::size_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(0x80 | n));
  } else if (n < 65536) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xff));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int i = 7; i >= 0; --i)
      out.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> (8 * i)) & 0xff));
  }
  const std::uint32_t key = random32();
  const unsigned char mask[4] = {
      static_cast<unsigned char>(key >> 24), static_cast<unsigned char>(key >> 16),
      static_cast<unsigned char>(key >> 8), static_cast<unsigned char>(key)};
  out.append(reinterpret_cast<const char*>(mask), 4);
  const std::size_t at = out.size();
  out.append(payload);
  for (std::size_t i = 0; i < n; ++i) out[at + i] = static_cast<char>(out[at + i] ^ mask[i & 3]);
}

std::string base64(const unsigned char* data, std::size_t n) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string s;
  for (std::size_t i = 0; i < n; i += 3) {
    const std::uint32_t v = (static_cast<std::uint32_t>(data[i]) << 16) |
                            (i + 1 < n ? static_cast<std::uint32_t>(data[i + 1]) << 8 : 0u) |
                            (i + 2 < n ? static_cast<std::uint32_t>(data[i + 2]) : 0u);
    s += alphabet[(v >> 18) & 63];
    s += alphabet[(v >> 12) & 63];
    s += i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
    s += i + 2 < n ? alphabet[v & 63] : '=';
  }
  return s;
}

/// The epoll loop that owns every connection.
class client_loop {
 public:
  client_loop(int port, handler& h)
      : port_(port), handler_(h), epoll_(epoll_create1(EPOLL_CLOEXEC)) {
    if (epoll_ < 0) usage_exit("epoll_create1 failed");
  }
  ~client_loop() {
    for (auto& c : conns_) close_fd(*c);
    close(epoll_);
  }
  client_loop(const client_loop&) = delete;
  client_loop& operator=(const client_loop&) = delete;

  connection& add() {
    conns_.push_back(std::make_unique<connection>());
    conns_.back()->id = static_cast<int>(conns_.size()) - 1;
    return *conns_.back();
  }
  std::vector<std::unique_ptr<connection>>& all() { return conns_; }

  void start_connect(connection& c) {
    reset(c);
    c.connect_started = now_ms();
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
      c.state = conn_state::closed;
      handler_.on_connect_failed(c, std::string("socket_") + std::strerror(errno));
      return;
    }
    const int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<std::uint16_t>(port_));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    c.state = conn_state::connecting;
    if (connect(c.fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0 && errno != EINPROGRESS) {
      const std::string kind = std::string("connect_") + std::strerror(errno);
      close_fd(c);
      handler_.on_connect_failed(c, kind);
      return;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
    ev.data.ptr = &c;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev);
    c.want_write = true;
  }

  void send_text(connection& c, std::string_view text) {
    if (c.state != conn_state::open) return;
    append_frame(c.out, 1, text);
    flush(c);
  }
  /// Queues already-framed bytes (the flooder's prebuilt frames).
  void send_raw(connection& c, std::string_view bytes) {
    if (c.state != conn_state::open) return;
    c.out.append(bytes);
    flush(c);
  }
  bool write_idle(const connection& c) const { return c.out.size() == c.out_off; }

  /// The flooder: from now on this connection is only written to.
  void stop_reading(connection& c) {
    c.read_side = false;
    update_events(c);
  }

  void close_fd(connection& c) {
    if (c.fd >= 0) {
      epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
      close(c.fd);
      c.fd = -1;
    }
    c.state = conn_state::closed;
  }

  /// Runs ready events for at most `timeout_ms`; calls `on_writable` hooks via flush.
  void poll(int timeout_ms) {
    epoll_event events[512];
    const int n = epoll_wait(epoll_, events, 512, std::max(0, timeout_ms));
    for (int i = 0; i < n; ++i) {
      auto& c = *static_cast<connection*>(events[i].data.ptr);
      if (c.fd < 0) continue;
      const std::uint32_t e = events[i].events;
      if (c.state == conn_state::connecting) {
        if (e & (EPOLLOUT | EPOLLERR | EPOLLHUP)) finish_connect(c);
        continue;
      }
      if (!c.read_side) {
        if (e & (EPOLLERR | EPOLLHUP | EPOLLRDHUP)) {
          close_fd(c);
          handler_.on_closed(c, true);
          continue;
        }
      } else if (e & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP)) {
        read_ready(c);
      }
      // Not while connecting: a slot reopened by a handler above waits for its own EPOLLOUT.
      if (c.fd >= 0 && c.state != conn_state::connecting && (e & EPOLLOUT)) flush(c);
    }
  }

  /// Closes connections whose connect or handshake took longer than `limit_ms`.
  void expire_connects(double limit_ms) {
    const double t = now_ms();
    for (auto& p : conns_) {
      connection& c = *p;
      if ((c.state == conn_state::connecting || c.state == conn_state::handshaking) &&
          t - c.connect_started > limit_ms) {
        close_fd(c);
        handler_.on_connect_failed(c, "connect_timeout");
      }
    }
  }

 private:
  static void reset(connection& c) {
    c.in.clear();
    c.in_off = 0;
    c.out.clear();
    c.out_off = 0;
    c.fragments.clear();
    c.read_side = true;
    c.want_write = false;
    c.op = op_kind::none;
  }

  void update_events(connection& c) {
    if (c.fd < 0) return;
    epoll_event ev{};
    ev.events = (c.read_side ? EPOLLIN : 0u) | EPOLLRDHUP |
                (c.want_write ? static_cast<std::uint32_t>(EPOLLOUT) : 0u);
    ev.data.ptr = &c;
    epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
  }

  void flush(connection& c) {
    while (c.out_off < c.out.size()) {
      const ssize_t n =
          send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
      if (n > 0) {
        c.out_off += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      const bool was_open = c.state == conn_state::open;
      close_fd(c);
      if (was_open)
        handler_.on_closed(c, true);
      else
        handler_.on_connect_failed(c, "handshake_send_failed");
      return;
    }
    if (c.out_off == c.out.size()) {
      c.out.clear();
      c.out_off = 0;
    } else if (c.out_off > (1u << 20)) {
      c.out.erase(0, c.out_off);
      c.out_off = 0;
    }
    const bool want = c.out_off < c.out.size();
    if (want != c.want_write) {
      c.want_write = want;
      update_events(c);
    }
  }

  void finish_connect(connection& c) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      close_fd(c);
      handler_.on_connect_failed(c, std::string("connect_") + std::strerror(err));
      return;
    }
    unsigned char key[16];
    for (int i = 0; i < 16; i += 4) {
      const std::uint32_t r = random32();
      std::memcpy(key + i, &r, 4);
    }
    c.state = conn_state::handshaking;
    c.out =
        "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) +
        "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + base64(key, 16) +
        "\r\nSec-WebSocket-Version: 13\r\n\r\n";
    c.out_off = 0;
    c.want_write = false;
    update_events(c);
    flush(c);
  }

  void read_ready(connection& c) {
    char buf[65536];
    for (;;) {
      const ssize_t n = recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        c.in.append(buf, static_cast<std::size_t>(n));
        if (static_cast<std::size_t>(n) < sizeof buf) break;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      // EOF or error: deliver what is complete, then report the close.
      const conn_state was = c.state;
      if (was == conn_state::open) parse_frames(c);
      if (c.fd < 0) return;
      close_fd(c);
      if (was == conn_state::open)
        handler_.on_closed(c, true);
      else
        handler_.on_connect_failed(c, n == 0 ? "handshake_eof" : "handshake_error");
      return;
    }
    if (c.state == conn_state::handshaking) {
      const auto end = c.in.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (c.in.size() > 16384) {
          close_fd(c);
          handler_.on_connect_failed(c, "handshake_too_large");
        }
        return;
      }
      if (c.in.compare(0, 12, "HTTP/1.1 101") != 0) {
        const std::string status = c.in.size() >= 12 ? c.in.substr(9, 3) : "short";
        close_fd(c);
        handler_.on_connect_failed(c, "handshake_http_" + status);
        return;
      }
      c.in_off = end + 4;
      c.state = conn_state::open;
      handler_.on_open(c);
      if (c.fd < 0) return;
    }
    if (c.state == conn_state::open) parse_frames(c);
  }

  void parse_frames(connection& c) {
    while (c.state == conn_state::open && c.read_side) {
      const std::size_t avail = c.in.size() - c.in_off;
      if (avail < 2) break;
      const auto* b = reinterpret_cast<const unsigned char*>(c.in.data() + c.in_off);
      const bool fin = (b[0] & 0x80) != 0;
      const int opcode = b[0] & 0x0f;
      std::uint64_t len = b[1] & 0x7f;
      std::size_t header = 2;
      if (len == 126) {
        if (avail < 4) break;
        len = (static_cast<std::uint64_t>(b[2]) << 8) | b[3];
        header = 4;
      } else if (len == 127) {
        if (avail < 10) break;
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | b[2 + i];
        header = 10;
      }
      if ((b[1] & 0x80) != 0 || len > (64u << 20)) {  // servers never mask; 64 MiB sanity bound
        close_fd(c);
        handler_.on_closed(c, true);
        return;
      }
      if (avail < header + len) break;
      const std::string_view payload(c.in.data() + c.in_off + header,
                                     static_cast<std::size_t>(len));
      c.in_off += header + static_cast<std::size_t>(len);
      switch (opcode) {
        case 0x0:  // continuation
          c.fragments.append(payload);
          if (fin) {
            std::string whole;
            whole.swap(c.fragments);
            handler_.on_text(c, whole);
          }
          break;
        case 0x1:
        case 0x2:
          if (fin)
            handler_.on_text(c, payload);
          else
            c.fragments.assign(payload);
          break;
        case 0x8: {  // close: answer it, then the connection is gone
          std::string reply;
          append_frame(reply, 0x8, payload.substr(0, std::min<std::size_t>(2, payload.size())));
          (void)send(c.fd, reply.data(), reply.size(), MSG_NOSIGNAL);
          close_fd(c);
          handler_.on_closed(c, true);
          return;
        }
        case 0x9:  // the server's keep-alive ping
          append_frame(c.out, 0xA, payload);
          flush(c);
          break;
        default:
          break;
      }
    }
    if (c.in_off == c.in.size()) {
      c.in.clear();
      c.in_off = 0;
    } else if (c.in_off > 65536) {
      c.in.erase(0, c.in_off);
      c.in_off = 0;
    }
  }

  int port_;
  handler& handler_;
  int epoll_;
  std::vector<std::unique_ptr<connection>> conns_;
};

// ---- protocol frames -------------------------------------------------------------------------

/// "<kind><connection>-<seq>". Out of line: once inlined, GCC 12 reports a -Wrestrict false
/// positive on string concatenation.
[[gnu::noinline]] std::string request_id(char kind, int conn, std::uint64_t seq) {
  char text[48];
  std::snprintf(text, sizeof text, "%c%d-%llu", kind, conn, static_cast<unsigned long long>(seq));
  return text;
}

std::string json_string(std::string_view s) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return std::string(sb.GetString(), sb.GetSize());
}

std::string ping_frame(const std::string& rid) {
  return R"({"action":"ping","requestId":")" + rid + "\"}";
}
std::string create_frame(const std::string& rid) {
  return R"({"action":"create_conversation_session","requestId":")" + rid +
         R"(","agentId":"11111111-1111-4111-8111-111111111111","userName":"bench","userEmail":"bench@example.com"})";
}
std::string send_frame(const std::string& rid, const std::string& session_id) {
  return R"({"action":"send_message","requestId":")" + rid + R"(","sessionId":)" +
         json_string(session_id) + R"(,"message":"hello from the bench","stream":true})";
}

const rapidjson::Value* member(const rapidjson::Value& v, const char* key) {
  if (!v.IsObject()) return nullptr;
  const auto it = v.FindMember(key);
  return it == v.MemberEnd() ? nullptr : &it->value;
}
std::string_view string_member(const rapidjson::Value& v, const char* key) {
  const rapidjson::Value* m = member(v, key);
  return m != nullptr && m->IsString() ? std::string_view(m->GetString(), m->GetStringLength())
                                       : std::string_view();
}
int int_member(const rapidjson::Value& v, const char* key) {
  const rapidjson::Value* m = member(v, key);
  return m != nullptr && m->IsInt() ? m->GetInt() : -1;
}
std::string error_code_of(const rapidjson::Value& doc) {
  for (const rapidjson::Value* e : {member(doc, "error"), member(doc, "data")}) {
    if (e == nullptr) continue;
    if (auto code = string_member(*e, "code"); !code.empty()) return "server_" + std::string(code);
    if (const rapidjson::Value* inner = member(*e, "error")) {
      if (auto code = string_member(*inner, "code"); !code.empty())
        return "server_" + std::string(code);
    }
  }
  return "server_error";
}

// ---- the closed-loop scenarios (ping, create, turn, and the flood's pingers) ------------------

class closed_loop : public handler {
 public:
  closed_loop(const options& o, op_kind kind) : o_(o), kind_(kind) {}
  void attach(client_loop& loop) { loop_ = &loop; }

  // ---- phases, driven by the runner
  bool running = false;  ///< start new ops
  double window_start = 0, window_end = 0;
  // ---- results
  long ops = 0;           ///< completed inside the window
  long tokens_total = 0;  ///< turns: tokens of the turns completed in the window
  std::vector<double> latency_ms, ttft_ms, ack_ms;
  std::vector<double> latency_before_ms;  ///< flood: pingers' latency before the flood
  error_counts errors;
  long opened = 0, connect_failures = 0, reconnects = 0;
  int connecting = 0;

  void start_op(connection& c) {
    if (!running || c.state != conn_state::open) return;
    if (kind_ == op_kind::turn_send) {
      if (c.session_id.empty())
        begin(c, op_kind::turn_create);
      else
        begin(c, op_kind::turn_send);
    } else {
      begin(c, kind_);
    }
  }

  bool busy() const {
    for (const auto& c : loop_->all()) {
      if (c->op != op_kind::none && c->state == conn_state::open) return true;
    }
    return false;
  }

  /// Times out stuck ops and restarts ops that failed instantly (after a pause).
  void sweep() {
    const double t = now_ms();
    for (auto& p : loop_->all()) {
      connection& c = *p;
      if (c.op != op_kind::none && t - c.op_started > o_.op_timeout_ms) {
        fail(c, "timeout");
      } else if (c.op == op_kind::none && c.retry_at > 0 && t >= c.retry_at) {
        c.retry_at = 0;
        start_op(c);
      }
    }
  }

  void on_open(connection& c) override {
    if (connecting > 0) --connecting;
    ++opened;
    if (o_.stagger_ms > 0) {  // sweep() starts it when the time comes
      std::uniform_real_distribution<double> wait(0, o_.stagger_ms);
      c.retry_at = now_ms() + wait(stagger_rng_);
      return;
    }
    start_op(c);
  }
  void on_connect_failed(connection& c, const std::string& kind) override {
    if (connecting > 0) --connecting;
    ++connect_failures;
    errors.add(kind);
    c.op = op_kind::none;
  }
  void on_closed(connection& c, bool by_peer) override {
    if (by_peer) errors.add("closed_by_server");
    c.op = op_kind::none;
    c.session_id.clear();
    // Keep the concurrency: reconnect the slot, a bounded number of times.
    if (running && reconnects < 10 * o_.conns) {
      ++reconnects;
      ++connecting;
      loop_->start_connect(c);
    }
  }

  void on_text(connection& c, std::string_view text) override {
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) {
      errors.add("invalid_json");
      return;
    }
    const std::string_view type = string_member(doc, "type");
    if (c.op == op_kind::none || string_member(doc, "requestId") != c.rid)
      return;  // late or unsolicited
    const double t = now_ms();
    const bool in_window = t >= window_start && t <= window_end;
    if (type == "error") {
      fail(c, error_code_of(doc));
      return;
    }
    switch (c.op) {
      case op_kind::ping:
        if (type != "pong") return;
        c.op = op_kind::none;
        if (in_window) {
          ++ops;
          latency_ms.push_back(t - c.op_started);
        } else if (t < window_start) {
          latency_before_ms.push_back(t - c.op_started);
        }
        start_op(c);
        return;
      case op_kind::create:
      case op_kind::turn_create: {
        if (type != "immediate_response") return;
        const rapidjson::Value* data = member(doc, "data");
        const std::string_view sid =
            data != nullptr ? string_member(*data, "sessionId") : std::string_view();
        if (int_member(doc, "status") != 200 || sid.empty()) {
          fail(c, "create_status_" + std::to_string(int_member(doc, "status")));
          return;
        }
        const op_kind was = c.op;
        c.op = op_kind::none;
        if (was == op_kind::create) {
          if (in_window) {
            ++ops;
            latency_ms.push_back(t - c.op_started);
          }
        } else {
          c.session_id.assign(sid);
        }
        start_op(c);
        return;
      }
      case op_kind::turn_send:
        on_turn_event(c, doc, type, t, in_window);
        return;
      case op_kind::none:
        return;
    }
  }

 private:
  void begin(connection& c, op_kind op) {
    c.op = op;
    c.op_started = now_ms();
    switch (op) {
      case op_kind::ping:
        c.rid = request_id('p', c.id, c.seq++);
        loop_->send_text(c, ping_frame(c.rid));
        break;
      case op_kind::create:
      case op_kind::turn_create:
        c.rid = request_id('c', c.id, c.seq++);
        loop_->send_text(c, create_frame(c.rid));
        break;
      case op_kind::turn_send:
        c.rid = request_id('t', c.id, c.seq++);
        c.acked = false;
        c.ack_ms = -1;
        c.tokens = 0;
        c.first_token_ms = -1;
        c.text.clear();
        loop_->send_text(c, send_frame(c.rid, c.session_id));
        break;
      case op_kind::none:
        break;
    }
  }

  void on_turn_event(connection& c, const rapidjson::Document& doc, std::string_view type, double t,
                     bool in_window) {
    if (type == "immediate_response") {
      if (int_member(doc, "status") != 202) {
        fail(c, "ack_status_" + std::to_string(int_member(doc, "status")));
        return;
      }
      c.acked = true;
      c.ack_ms = t - c.op_started;
    } else if (type == "stream_token") {
      if (c.first_token_ms < 0) c.first_token_ms = t - c.op_started;
      ++c.tokens;
      c.text.append(string_member(doc, "token"));
    } else if (type == "eventual_response") {
      // data.data.response.responseParts[0] must be the streamed text.
      std::string_view final_text;
      if (const rapidjson::Value* d = member(doc, "data")) {
        if (const rapidjson::Value* dd = member(*d, "data")) {
          if (const rapidjson::Value* resp = member(*dd, "response")) {
            const rapidjson::Value* parts = member(*resp, "responseParts");
            if (parts != nullptr && parts->IsArray() && !parts->Empty() && (*parts)[0].IsString()) {
              final_text = std::string_view((*parts)[0].GetString(), (*parts)[0].GetStringLength());
            }
          }
        }
      }
      c.op = op_kind::none;
      if (in_window) {
        ++ops;
        tokens_total += c.tokens;
        latency_ms.push_back(t - c.op_started);
        if (c.first_token_ms >= 0) ttft_ms.push_back(c.first_token_ms);
        if (c.ack_ms >= 0) ack_ms.push_back(c.ack_ms);
        if (!c.acked) errors.add("no_202_ack");
        if (o_.expect_tokens >= 0 && c.tokens != o_.expect_tokens) errors.add("token_count");
        if (final_text != c.text) errors.add("final_text_mismatch");
      }
      start_op(c);
    }
  }

  void fail(connection& c, const std::string& kind) {
    errors.add(kind);
    const bool instant = now_ms() - c.op_started < 1;
    c.op = op_kind::none;
    if (kind != "timeout") c.session_id.clear();  // a fresh session next time
    // Never spin on an op the server refuses at once (e.g. a rate limit).
    if (instant)
      c.retry_at = now_ms() + 10;
    else
      start_op(c);
  }

  const options& o_;
  op_kind kind_;
  client_loop* loop_ = nullptr;
  std::mt19937 stagger_rng_{20261201};  // fixed seed: runs are comparable
};

/// Opens `n` connections (at most `batch` in progress); returns when all settled or the
/// connect time limit passed.
void open_connections(client_loop& loop, closed_loop& h, int n, const options& o) {
  const double deadline = now_ms() + o.connect_limit_s * 1e3;
  int started = 0;
  while (now_ms() < deadline) {
    while (started < n && h.connecting < o.connect_batch) {
      ++h.connecting;
      loop.start_connect(loop.add());
      ++started;
    }
    if (started == n && h.connecting == 0) break;
    loop.poll(10);
    loop.expire_connects(o.connect_timeout_ms);
  }
}

/// Stops new ops, waits (bounded) for those in flight, then closes every socket.
void drain_and_close(client_loop& loop, closed_loop& h, const options& o) {
  h.running = false;
  const double deadline = now_ms() + o.op_timeout_ms + 1000;
  while (h.busy() && now_ms() < deadline) {
    loop.poll(10);
    h.sweep();
  }
  for (auto& c : loop.all()) loop.close_fd(*c);
}

// ---- the gateway's own counters (turn rows) ----------------------------------------------------

/// GET /stats of the mock gateway → {"requests":N,"connections":M}; false on any failure.
bool gateway_stats(int port, double& requests, double& connections) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply;
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) {
    const std::string req = "GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0 && reply.size() < 65536;) {
        reply.append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  close(fd);
  const auto body = reply.find("\r\n\r\n");
  if (body == std::string::npos) return false;
  rapidjson::Document doc;
  doc.Parse(reply.c_str() + body + 4);
  if (doc.HasParseError() || !doc.IsObject()) return false;
  const rapidjson::Value* r = member(doc, "requests");
  const rapidjson::Value* c = member(doc, "connections");
  if (r == nullptr || c == nullptr || !r->IsNumber() || !c->IsNumber()) return false;
  requests = r->GetDouble();
  connections = c->GetDouble();
  return true;
}

// ---- scenario runners ------------------------------------------------------------------------

int run_closed_loop(const options& o, int server_pid) {
  const op_kind kind = o.scenario == "ping"     ? op_kind::ping
                       : o.scenario == "create" ? op_kind::create
                                                : op_kind::turn_send;
  closed_loop h(o, kind);
  client_loop loop(o.port, h);
  h.attach(loop);
  report r(o.name);
  double gw_req0 = 0, gw_conn0 = 0;
  const bool have_gw0 = o.gateway_port > 0 && gateway_stats(o.gateway_port, gw_req0, gw_conn0);

  h.running = true;  // each connection starts its loop as soon as it is open
  const double t_connect = now_ms();
  h.window_start = h.window_end = 1e300;  // nothing counts until the window is set
  open_connections(loop, h, o.conns, o);
  if (h.opened == 0) {
    std::fprintf(stderr, "loadgen: no connection to 127.0.0.1:%d could be opened\n", o.port);
    h.errors.emit(r);
    return 2;
  }
  const double connect_s = (now_ms() - t_connect) / 1e3;
  h.window_start = now_ms() + o.warmup_s * 1e3;
  h.window_end = h.window_start + o.duration_s * 1e3;
  cpu_window cpu(server_pid, o.gateway_pid, o.db_pid);
  bool started = false;
  double rss_start = -1, rss_end = -1;
  for (double t = now_ms(); t < h.window_end; t = now_ms()) {
    const double next = started ? h.window_end : h.window_start;
    loop.poll(static_cast<int>(std::clamp(next - t, 0.0, 10.0)));
    if (!started && now_ms() >= h.window_start) {
      started = true;
      cpu.start();
      rss_start = rss_bytes(server_pid);
    }
    h.sweep();
  }
  cpu.stop();
  rss_end = rss_bytes(server_pid);
  drain_and_close(loop, h, o);

  const bool turns = kind == op_kind::turn_send;
  const char* per = turns ? "turn" : "op";
  r.figure("conns", static_cast<double>(h.opened - h.reconnects), "count");
  r.figure("connect_s", connect_s, "s");
  r.figure(turns ? "turns_per_s" : "rps", static_cast<double>(h.ops) / o.duration_s,
           turns ? "turns/s" : "ops/s");
  r.figure(turns ? "turns" : "ops", static_cast<double>(h.ops), "count");
  latency_figures(r, "", h.latency_ms);
  if (turns) {
    latency_figures(r, "ttft_", h.ttft_ms);
    latency_figures(r, "ack_", h.ack_ms);  // send → 202: how long the frame waited in the server
    r.figure("tokens_per_turn",
             h.ops ? static_cast<double>(h.tokens_total) / static_cast<double>(h.ops) : NAN,
             "tokens");
    r.figure("tokens_per_s", static_cast<double>(h.tokens_total) / o.duration_s, "tokens/s");
  }
  cpu.emit(r);
  r.figure(std::string("server_cpu_ms_per_") + per,
           h.ops ? cpu.server_seconds() * 1e3 / static_cast<double>(h.ops) : NAN, "ms");
  if (o.db_pid > 0)
    r.figure(std::string("db_cpu_ms_per_") + per,
             h.ops ? cpu.db_seconds() * 1e3 / static_cast<double>(h.ops) : NAN, "ms");
  r.figure("server_rss_mb", rss_end / 1048576.0, "MB");
  r.figure("server_rss_growth_mb", (rss_end - rss_start) / 1048576.0, "MB");
  if (have_gw0) {
    double req1 = 0, conn1 = 0;
    if (gateway_stats(o.gateway_port, req1, conn1) && req1 > gw_req0) {
      r.figure("gateway_requests", req1 - gw_req0, "count");
      // 1.0 = a new TCP connection per LLM call; near 0 = a keep-alive pool.
      r.figure("gateway_conns_per_request", (conn1 - gw_conn0) / (req1 - gw_req0), "ratio");
    }
  }
  r.figure("reconnects", static_cast<double>(h.reconnects), "count");
  h.errors.emit(r);
  return 0;
}

int run_idle(const options& o, int server_pid) {
  closed_loop h(o, op_kind::ping);
  client_loop loop(o.port, h);
  h.attach(loop);
  report r(o.name);
  h.running = false;  // idle: open and hold, no ops
  h.window_start = h.window_end = 1e300;
  const double rss_before = rss_bytes(server_pid);
  const double t0 = now_ms();
  open_connections(loop, h, o.conns, o);
  const double connect_s = (now_ms() - t0) / 1e3;
  const double hold_end = now_ms() + o.hold_s * 1e3;
  while (now_ms() < hold_end)
    loop.poll(static_cast<int>(std::clamp(hold_end - now_ms(), 0.0, 50.0)));
  const double rss_held = rss_bytes(server_pid);
  long alive = 0;
  for (auto& c : loop.all()) alive += c->state == conn_state::open ? 1 : 0;

  // Every held connection must still answer: one ping each, at most 256 in flight.
  h.window_start = now_ms();
  h.window_end = 1e300;
  std::size_t next = 0;
  const double verify_deadline = now_ms() + o.op_timeout_ms + 5000;
  auto& all = loop.all();
  while (now_ms() < verify_deadline) {
    long in_flight = 0;
    for (auto& c : all) in_flight += c->op != op_kind::none ? 1 : 0;
    while (next < all.size() && in_flight < 256) {
      connection& c = *all[next++];
      if (c.state != conn_state::open) continue;
      c.op = op_kind::ping;
      c.op_started = now_ms();
      c.rid = request_id('v', c.id, 0);
      loop.send_text(c, ping_frame(c.rid));
      ++in_flight;
    }
    if (next == all.size() && in_flight == 0) break;
    loop.poll(10);
    h.sweep();
  }
  for (auto& c : all) loop.close_fd(*c);

  const double opened = static_cast<double>(h.opened);
  r.figure("conns", opened, "count");
  r.figure("connect_failures", static_cast<double>(h.connect_failures), "count");
  r.figure("connect_s", connect_s, "s");
  r.figure("alive_after_hold", static_cast<double>(alive), "count");
  r.figure("verified", static_cast<double>(h.ops), "count");
  r.figure("server_rss_before_mb", rss_before / 1048576.0, "MB");
  r.figure("server_rss_held_mb", rss_held / 1048576.0, "MB");
  r.figure("rss_bytes_per_conn", opened > 0 ? (rss_held - rss_before) / opened : NAN, "bytes");
  latency_figures(r, "verify_", h.latency_ms);
  h.errors.emit(r);
  return 0;
}

/// One connection writes --flood-bytes frames back to back and never reads; the rest ping.
class flooder {
 public:
  flooder(const options& o, client_loop& loop) : loop_(loop) {
    // A valid ping padded to the frame size: the server must read and parse all of it.
    for (int i = 0; i < 4; ++i) {
      std::string text =
          R"({"action":"ping","requestId":"flood)" + std::to_string(i) + R"(","pad":")";
      const std::size_t tail = 2;  // "}
      text.append(o.flood_bytes > text.size() + tail ? o.flood_bytes - text.size() - tail : 0, 'x');
      text += "\"}";
      frames_[i].clear();
      append_frame(frames_[i], 1, text);  // a different mask per prebuilt frame
    }
  }
  long frames_sent = 0;
  double bytes_written = 0;
  long closed_by_server = 0;
  connection* conn = nullptr;
  bool active = false;

  /// Keeps one frame queued on the flooder's socket while the flood is on.
  void pump() {
    if (!active || conn == nullptr) return;
    if (conn->state == conn_state::closed && !reconnecting_) {
      if (closed_by_server >= 1000) return;  // bounded reconnects
      reconnecting_ = true;
      loop_.start_connect(*conn);
      return;
    }
    if (conn->state != conn_state::open) return;
    if (reconnecting_) {
      reconnecting_ = false;
      loop_.stop_reading(*conn);
    }
    // At most a few frames per call, so the pingers on the same loop are not starved.
    for (int i = 0; i < 4 && loop_.write_idle(*conn) && conn->state == conn_state::open; ++i) {
      if (queued_) {
        ++frames_sent;
        bytes_written += static_cast<double>(frames_[0].size());
      }
      queued_ = true;
      loop_.send_raw(*conn, frames_[frames_sent % 4]);
    }
  }
  void closed() {
    ++closed_by_server;
    queued_ = false;
    reconnecting_ = false;
  }

 private:
  client_loop& loop_;
  std::string frames_[4];
  bool queued_ = false;
  bool reconnecting_ = false;
};

/// Routes the flooder's events away from the pingers' closed loop.
class flood_router : public handler {
 public:
  flood_router(closed_loop& pingers, flooder*& f) : pingers_(pingers), flood_(f) {}
  void on_open(connection& c) override {
    if (!is_flooder(c)) pingers_.on_open(c);
  }
  void on_text(connection& c, std::string_view text) override {
    if (!is_flooder(c)) pingers_.on_text(c, text);
  }
  void on_closed(connection& c, bool by_peer) override {
    if (is_flooder(c))
      flood_->closed();
    else
      pingers_.on_closed(c, by_peer);
  }
  void on_connect_failed(connection& c, const std::string& kind) override {
    if (is_flooder(c)) {
      flood_->closed();
      pingers_.errors.add("flooder_" + kind);
      return;
    }
    pingers_.on_connect_failed(c, kind);
  }

 private:
  bool is_flooder(const connection& c) const { return flood_ != nullptr && flood_->conn == &c; }
  closed_loop& pingers_;
  flooder*& flood_;
};

int run_flood(const options& o, int server_pid) {
  closed_loop pingers(o, op_kind::ping);
  flooder* flood_ptr = nullptr;
  flood_router router(pingers, flood_ptr);
  client_loop loop(o.port, router);
  pingers.attach(loop);
  flooder flood(o, loop);
  report r(o.name);

  // The flooder is connection 0 and opens first; then the pingers.
  flood.conn = &loop.add();
  flood_ptr = &flood;
  loop.start_connect(*flood.conn);
  const double flooder_deadline = now_ms() + o.connect_timeout_ms;
  while (flood.conn->state != conn_state::open && flood.conn->state != conn_state::closed &&
         now_ms() < flooder_deadline) {
    loop.poll(10);
  }
  if (flood.conn->state != conn_state::open) {
    std::fprintf(stderr, "loadgen: the flooder could not connect to 127.0.0.1:%d\n", o.port);
    return 2;
  }
  loop.stop_reading(*flood.conn);
  pingers.running = true;
  pingers.window_start = pingers.window_end = 1e300;
  open_connections(loop, pingers, o.conns, o);

  // Warm-up: pingers alone (their latency before the flood is reported too).
  const double warm_end = now_ms() + o.warmup_s * 1e3;
  pingers.window_start = warm_end;
  pingers.window_end = warm_end + o.duration_s * 1e3;
  while (now_ms() < warm_end) {
    loop.poll(static_cast<int>(std::clamp(warm_end - now_ms(), 0.0, 10.0)));
    pingers.sweep();
  }
  const double rss_before = rss_bytes(server_pid);
  double rss_peak = rss_before;
  cpu_window cpu(server_pid, 0);
  cpu.start();
  const double flood_start = now_ms();
  flood.active = true;
  double next_sample = now_ms();
  bool capped = false;  // an unbounded server must not take the shared machine down
  while (now_ms() < pingers.window_end && !capped) {
    flood.pump();
    loop.poll(static_cast<int>(std::clamp(pingers.window_end - now_ms(), 0.0, 5.0)));
    flood.pump();
    pingers.sweep();
    if (now_ms() >= next_sample) {
      rss_peak = std::max(rss_peak, rss_bytes(server_pid));
      next_sample = now_ms() + 50;
      capped = rss_peak - rss_before > o.flood_rss_cap_mb * 1048576.0;
    }
  }
  const double flood_s = (now_ms() - flood_start) / 1e3;
  pingers.window_end = std::min(pingers.window_end, now_ms());
  cpu.stop();
  flood.active = false;
  rss_peak = std::max(rss_peak, rss_bytes(server_pid));
  loop.close_fd(*flood.conn);  // abrupt, as an abusive client would leave
  drain_and_close(loop, pingers, o);
  // The server should give the memory back once the flooder is gone.
  const double settle_end = now_ms() + 1000;
  while (now_ms() < settle_end) usleep(50'000);
  const double rss_after = rss_bytes(server_pid);

  r.figure("rss_before_mb", rss_before / 1048576.0, "MB");
  r.figure("rss_peak_mb", rss_peak / 1048576.0, "MB");
  r.figure("rss_growth_mb", (rss_peak - rss_before) / 1048576.0, "MB");
  r.figure("rss_after_close_mb", rss_after / 1048576.0, "MB");
  r.figure("frames_written", static_cast<double>(flood.frames_sent), "count");
  r.figure("mb_written_per_s", flood.bytes_written / 1048576.0 / flood_s, "MB/s");
  r.figure("stopped_at_rss_cap", capped ? 1 : 0, "bool");
  r.figure("flooder_closed_by_server", static_cast<double>(flood.closed_by_server), "count");
  r.figure("ping_conns", static_cast<double>(pingers.opened - pingers.reconnects), "count");
  r.figure("ping_rps", static_cast<double>(pingers.ops) / flood_s, "ops/s");
  latency_figures(r, "ping_", pingers.latency_ms);
  r.figure("ping_p99_before_ms", percentile(pingers.latency_before_ms, 99), "ms");
  cpu.emit(r);
  pingers.errors.emit(r);
  return 0;
}

int print_free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
    std::perror("loadgen: free port");
    return 2;
  }
  std::printf("%d\n", ntohs(sa.sin_port));
  close(fd);
  return 0;
}

extern "C" void on_watchdog(int) {
  static const char msg[] = "loadgen: --max-time exceeded, giving up\n";
  (void)!write(2, msg, sizeof msg - 1);
  _exit(3);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string_view(argv[1]) == "--free-port") return print_free_port();
  const options o = parse_options(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  g_rng ^= static_cast<std::uint64_t>(getpid()) * 0x2545F4914F6CDD1Dull ^
           static_cast<std::uint64_t>(now_ms() * 1e3);

  // Every phase has its own bound; the watchdog is the backstop for all of them.
  const double bound =
      o.connect_limit_s + o.warmup_s + o.duration_s + o.hold_s + 2 * o.op_timeout_ms / 1e3 + 30;
  signal(SIGALRM, on_watchdog);
  alarm(static_cast<unsigned>(std::ceil(o.max_time_s > 0 ? o.max_time_s : bound)));

  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    if (static_cast<double>(rl.rlim_cur) < o.conns + 64.0) {
      std::fprintf(stderr, "loadgen: open-files limit %ld < %d connections; raise ulimit -n\n",
                   static_cast<long>(rl.rlim_cur), o.conns);
    }
  }
  const int server_pid = o.server_pid > 0 ? o.server_pid : pid_listening_on(o.port);
  if (server_pid == 0) {
    std::fprintf(stderr,
                 "loadgen: no process found listening on port %d; CPU and RSS figures are null\n",
                 o.port);
  }
  const int pid = server_pid > 0 ? server_pid : -1;
  if (o.scenario == "idle") return run_idle(o, pid);
  if (o.scenario == "flood") return run_flood(o, pid);
  return run_closed_loop(o, pid);
}
