// ttl-probe's raw sockets for what raw-socket cannot do: IPv6 replies with their hop limit.
//
// raw-socket reads with recvfrom(), and an IPv6 raw socket never delivers the IPv6 header
// (RFC 3542 section 3), so the hop limit of a reply is lost there. This addon reads with
// recvmmsg()/recvmsg() and takes the hop limit from the IPV6_HOPLIMIT control message
// (IPV6_RECVHOPLIMIT), the destination from IPV6_PKTINFO and the arrival time from
// SO_TIMESTAMPNS. It sends with sendmsg() and an IPV6_HOPLIMIT control message per packet.
//
// Only thin I/O lives here: no decisions about packets. src/transport/raw6.ts is its typed face.
// An AF_INET socket can be opened too, only so scripts/bench-raw6.ts can compare this receive
// path with raw-socket's for IPv4 (IPv4 raw sockets deliver the IPv4 header; IP_TTL gives the TTL).
//
// Errors are JS exceptions whose `code` is the errno name (EPERM, EINVAL, ...), message
// "<syscall>: <NAME> (<strerror>)".

#include <napi.h>
#include <uv.h>

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

// From linux/in6.h, which clashes with glibc's netinet/in.h when both are included.
#ifndef IPV6_FLOWLABEL_MGR
#define IPV6_FLOWLABEL_MGR 32
#endif
#ifndef IPV6_FLOWINFO_SEND
#define IPV6_FLOWINFO_SEND 33
#endif
struct FlowLabelRequest {  // struct in6_flowlabel_req
  struct in6_addr flr_dst;
  uint32_t flr_label;  // network order
  uint8_t flr_action;
  uint8_t flr_share;
  uint16_t flr_flags;
  uint16_t flr_expires;
  uint16_t flr_linger;
  uint32_t flr_pad;
};
static const int kIpv6FlowInfo = 11;  // IPV6_FLOWINFO: receive the flow information as a control message
static const uint8_t kFlowLabelGet = 0;     // IPV6_FL_A_GET
static const uint16_t kFlowLabelCreate = 1;  // IPV6_FL_F_CREATE
static const uint8_t kFlowLabelShareExclusive = 1;  // IPV6_FL_S_EXCL: this socket only

namespace {

// Longest packet delivered whole. Replies to probes are short: ICMPv6 errors quote at most what
// fits in 1280 bytes (RFC 4443 2.4(c)), TCP answers to a SYN carry no data. Longer packets arrive
// cut to this length.
const size_t kSlotBytes = 4096;
// Packets read per readiness event at most, so a flood cannot starve the event loop (the same
// bound as src/transport/raw.ts's drain of raw-socket).
const int kMaxPerWakeup = 256;
// Numbers per packet in a batch's meta array (see Receiver).
const size_t kMetaFields = 5;

Napi::Error ErrnoError(Napi::Env env, const char* syscall, int err) {
  const char* name = uv_err_name(-err);
  std::string message = std::string(syscall) + ": " + name + " (" + strerror(err) + ")";
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, name));
  error.Set("errno", Napi::Number::New(env, err));
  error.Set("syscall", Napi::String::New(env, syscall));
  return error;
}

// Flow labels this process leased, per descriptor (the kernel releases them when it is closed).
std::map<int, std::set<uint32_t>> leasedLabels;

int FamilyArg(const Napi::CallbackInfo& info, size_t index) {
  int family = info[index].As<Napi::Number>().Int32Value();
  if (family != 4 && family != 6) throw Napi::TypeError::New(info.Env(), "family must be 4 or 6");
  return family;
}

// open(family: 4 | 6, protocol: number, icmp6Types: number[] | null, receiveBufferBytes: number)
//   -> { fd, receiveBufferBytes }
// A non-blocking raw socket. IPv6: IPV6_RECVHOPLIMIT and IPV6_RECVPKTINFO on; for TCP,
// IPV6_CHECKSUM at offset 16 so the kernel fills (and on receive verifies) the TCP checksum with the
// source address it chose; for ICMPv6, an ICMP6_FILTER passing only `icmp6Types` (null: all types).
// IPv4: IP_RECVTTL and IP_PKTINFO on. Both: SO_TIMESTAMPNS, and the receive buffer asked with
// SO_RCVBUFFORCE (allowed with CAP_NET_ADMIN, beyond net.core.rmem_max), else SO_RCVBUF.
Napi::Value Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int family = FamilyArg(info, 0);
  int protocol = info[1].As<Napi::Number>().Int32Value();
  int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) throw ErrnoError(env, "socket", errno);
  auto option = [&](int level, int name, const void* value, socklen_t length, const char* what) {
    if (setsockopt(fd, level, name, value, length) == 0) return;
    int err = errno;
    close(fd);
    throw ErrnoError(env, what, err);
  };
  const int on = 1;
  if (family == 6) {
    option(IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof on, "setsockopt(IPV6_RECVHOPLIMIT)");
    option(IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on, "setsockopt(IPV6_RECVPKTINFO)");
    // The received flow label and traffic class (an IPV6_FLOWINFO control message): a RST forged by
    // a firewall (ip6tables) carries label 0 where the host's own packets carry one.
    option(IPPROTO_IPV6, kIpv6FlowInfo, &on, sizeof on, "setsockopt(IPV6_FLOWINFO)");
    if (protocol == IPPROTO_TCP) {
      const int offset = 16;  // TCP's checksum field
      option(IPPROTO_IPV6, IPV6_CHECKSUM, &offset, sizeof offset, "setsockopt(IPV6_CHECKSUM)");
    }
    if (protocol == IPPROTO_ICMPV6 && info[2].IsArray()) {
      Napi::Array types = info[2].As<Napi::Array>();
      struct icmp6_filter filter;
      ICMP6_FILTER_SETBLOCKALL(&filter);
      for (uint32_t i = 0; i < types.Length(); i++) {
        ICMP6_FILTER_SETPASS(types.Get(i).As<Napi::Number>().Uint32Value() & 0xff, &filter);
      }
      option(IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter, "setsockopt(ICMP6_FILTER)");
    }
  } else {
    option(IPPROTO_IP, IP_RECVTTL, &on, sizeof on, "setsockopt(IP_RECVTTL)");
    option(IPPROTO_IP, IP_PKTINFO, &on, sizeof on, "setsockopt(IP_PKTINFO)");
  }
  option(SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on, "setsockopt(SO_TIMESTAMPNS)");
  int wanted = info[3].As<Napi::Number>().Int32Value();
  if (wanted > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &wanted, sizeof wanted) != 0) {
    // Not fatal: a smaller buffer only drops replies sooner under bursts.
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &wanted, sizeof wanted);
  }
  int effective = 0;
  socklen_t length = sizeof effective;
  getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &effective, &length);
  Napi::Object result = Napi::Object::New(env);
  result.Set("fd", Napi::Number::New(env, fd));
  result.Set("receiveBufferBytes", Napi::Number::New(env, effective));
  return result;
}

// Parses "2001:2::1" or "fe80::1%eth0" (scope by name or number) into `out`; false when invalid.
bool ParseAddress6(const std::string& text, struct sockaddr_in6* out) {
  memset(out, 0, sizeof *out);
  out->sin6_family = AF_INET6;
  std::string address = text;
  size_t percent = text.find('%');
  if (percent != std::string::npos) {
    address = text.substr(0, percent);
    std::string scope = text.substr(percent + 1);
    unsigned index = if_nametoindex(scope.c_str());
    if (index == 0) {
      char* end = nullptr;
      unsigned long number = strtoul(scope.c_str(), &end, 10);
      if (scope.empty() || *end != '\0') return false;
      index = static_cast<unsigned>(number);
    }
    out->sin6_scope_id = index;
  }
  return inet_pton(AF_INET6, address.c_str(), &out->sin6_addr) == 1;
}

// Leases `label` for `fd` once: Linux sends a flow label given in sin6_flowinfo only when the
// socket holds it (IPV6_FLOWLABEL_MGR) and IPV6_FLOWINFO_SEND is on; otherwise sendmsg is EINVAL.
// The lease names a destination (the unspecified address is EINVAL) but a raw socket's sendmsg
// looks leases up by label alone, so one lease serves every destination.
void LeaseFlowLabel(Napi::Env env, int fd, uint32_t label, const struct in6_addr& destination) {
  std::set<uint32_t>& labels = leasedLabels[fd];
  if (labels.count(label)) return;
  if (labels.empty()) {
    const int on = 1;
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_FLOWINFO_SEND, &on, sizeof on) != 0) throw ErrnoError(env, "setsockopt(IPV6_FLOWINFO_SEND)", errno);
  }
  FlowLabelRequest request;
  memset(&request, 0, sizeof request);
  request.flr_dst = destination;
  request.flr_label = htonl(label);
  request.flr_action = kFlowLabelGet;
  request.flr_flags = kFlowLabelCreate;
  request.flr_share = kFlowLabelShareExclusive;
  request.flr_linger = 6;  // seconds the label stays reserved after close (the kernel's default)
  request.flr_expires = 0;
  // EEXIST: the label is already held with our share mode, which is as good as leasing it.
  if (setsockopt(fd, IPPROTO_IPV6, IPV6_FLOWLABEL_MGR, &request, sizeof request) != 0 && errno != EEXIST) {
    throw ErrnoError(env, "setsockopt(IPV6_FLOWLABEL_MGR)", errno);
  }
  labels.insert(label);
}

// send(fd, family, packet: Buffer, destination: string, hopLimit: number, flowLabel: number)
//   -> undefined, or "EAGAIN" / "ENOBUFS" when the kernel's buffer is full (try again later)
// One sendmsg(). IPv6: `packet` is the ICMPv6 message or TCP segment (the kernel adds the IPv6
// header and fills the checksum); hopLimit -1 leaves the socket's default; flowLabel 0 leaves the
// kernel's (automatic) label. IPv4: the kernel adds the header; hopLimit is the TTL.
Napi::Value Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  int family = FamilyArg(info, 1);
  Napi::Buffer<uint8_t> packet = info[2].As<Napi::Buffer<uint8_t>>();
  std::string destination = info[3].As<Napi::String>().Utf8Value();
  int hopLimit = info[4].As<Napi::Number>().Int32Value();
  uint32_t flowLabel = info[5].As<Napi::Number>().Uint32Value();

  struct sockaddr_storage address;
  socklen_t addressLength;
  if (family == 6) {
    auto* sin6 = reinterpret_cast<struct sockaddr_in6*>(&address);
    if (!ParseAddress6(destination, sin6)) throw Napi::TypeError::New(env, "not an IPv6 address: " + destination);
    if (flowLabel != 0) {
      LeaseFlowLabel(env, fd, flowLabel, sin6->sin6_addr);
      sin6->sin6_flowinfo = htonl(flowLabel & 0xfffff);
    }
    addressLength = sizeof *sin6;
  } else {
    auto* sin = reinterpret_cast<struct sockaddr_in*>(&address);
    memset(sin, 0, sizeof *sin);
    sin->sin_family = AF_INET;
    if (inet_pton(AF_INET, destination.c_str(), &sin->sin_addr) != 1) throw Napi::TypeError::New(env, "not an IPv4 address: " + destination);
    addressLength = sizeof *sin;
  }

  struct iovec iov = {packet.Data(), packet.Length()};
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  struct msghdr message;
  memset(&message, 0, sizeof message);
  message.msg_name = &address;
  message.msg_namelen = addressLength;
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  if (hopLimit >= 0) {
    memset(control, 0, sizeof control);
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    struct cmsghdr* cmsg = CMSG_FIRSTHDR(&message);
    cmsg->cmsg_level = family == 6 ? IPPROTO_IPV6 : IPPROTO_IP;
    cmsg->cmsg_type = family == 6 ? IPV6_HOPLIMIT : IP_TTL;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &hopLimit, sizeof hopLimit);
  }
  if (sendmsg(fd, &message, 0) >= 0) return env.Undefined();
  int err = errno;
  if (err == EAGAIN || err == EWOULDBLOCK) return Napi::String::New(env, "EAGAIN");
  if (err == ENOBUFS) return Napi::String::New(env, "ENOBUFS");
  throw ErrnoError(env, "sendmsg", err);
}

// sendMany(fd, family, packets: Buffer[], destinations: string[], hopLimits: number[], flowLabel)
//   -> how many the kernel took, from the first (fewer than given: its buffer is full; send the
//      rest later); throws when the first fails for another reason than a full buffer.
// One sendmmsg() for all, each message with its own IPV6_HOPLIMIT / IP_TTL control message.
Napi::Value SendMany(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  int family = FamilyArg(info, 1);
  Napi::Array packets = info[2].As<Napi::Array>();
  Napi::Array destinations = info[3].As<Napi::Array>();
  Napi::Array hopLimits = info[4].As<Napi::Array>();
  uint32_t flowLabel = info[5].As<Napi::Number>().Uint32Value();
  uint32_t count = packets.Length();
  if (destinations.Length() != count || hopLimits.Length() != count) throw Napi::RangeError::New(env, "packets, destinations and hopLimits differ in length");
  const size_t controlBytes = CMSG_SPACE(sizeof(int));
  std::vector<struct sockaddr_storage> addresses(count);
  std::vector<struct iovec> iovs(count);
  std::vector<uint8_t> controls(count * controlBytes + alignof(struct cmsghdr));
  std::vector<struct mmsghdr> messages(count);
  uint8_t* controlBase = controls.data();
  while (reinterpret_cast<uintptr_t>(controlBase) % alignof(struct cmsghdr)) controlBase++;
  for (uint32_t i = 0; i < count; i++) {
    Napi::Buffer<uint8_t> packet = packets.Get(i).As<Napi::Buffer<uint8_t>>();
    std::string destination = destinations.Get(i).As<Napi::String>().Utf8Value();
    int hopLimit = hopLimits.Get(i).As<Napi::Number>().Int32Value();
    struct msghdr& message = messages[i].msg_hdr;
    memset(&message, 0, sizeof message);
    if (family == 6) {
      auto* sin6 = reinterpret_cast<struct sockaddr_in6*>(&addresses[i]);
      if (!ParseAddress6(destination, sin6)) throw Napi::TypeError::New(env, "not an IPv6 address: " + destination);
      if (flowLabel != 0) {
        LeaseFlowLabel(env, fd, flowLabel, sin6->sin6_addr);
        sin6->sin6_flowinfo = htonl(flowLabel & 0xfffff);
      }
      message.msg_namelen = sizeof *sin6;
    } else {
      auto* sin = reinterpret_cast<struct sockaddr_in*>(&addresses[i]);
      memset(sin, 0, sizeof *sin);
      sin->sin_family = AF_INET;
      if (inet_pton(AF_INET, destination.c_str(), &sin->sin_addr) != 1) throw Napi::TypeError::New(env, "not an IPv4 address: " + destination);
      message.msg_namelen = sizeof *sin;
    }
    message.msg_name = &addresses[i];
    iovs[i] = {packet.Data(), packet.Length()};
    message.msg_iov = &iovs[i];
    message.msg_iovlen = 1;
    if (hopLimit >= 0) {
      message.msg_control = controlBase + i * controlBytes;
      message.msg_controllen = controlBytes;
      memset(message.msg_control, 0, controlBytes);
      struct cmsghdr* cmsg = CMSG_FIRSTHDR(&message);
      cmsg->cmsg_level = family == 6 ? IPPROTO_IPV6 : IPPROTO_IP;
      cmsg->cmsg_type = family == 6 ? IPV6_HOPLIMIT : IP_TTL;
      cmsg->cmsg_len = CMSG_LEN(sizeof(int));
      memcpy(CMSG_DATA(cmsg), &hopLimit, sizeof hopLimit);
    }
  }
  uint32_t sent = 0;
  while (sent < count) {
    int result = sendmmsg(fd, messages.data() + sent, count - sent, 0);
    if (result < 0) {
      int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) break;
      if (sent > 0) break;  // reported by the next call, for the packet it stopped at
      throw ErrnoError(env, "sendmmsg", err);
    }
    sent += static_cast<uint32_t>(result);
  }
  return Napi::Number::New(env, sent);
}

// close(fd): closes the descriptor (stop its Receiver first).
Napi::Value Close(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  leasedLabels.erase(fd);
  if (close(fd) != 0) throw ErrnoError(info.Env(), "close", errno);
  return info.Env().Undefined();
}

// now() -> the monotonic clock in milliseconds, the clock of process.hrtime() (both are uv_hrtime),
// so receive times compare with src/clock.ts's monotonicMs().
Napi::Value Now(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(uv_hrtime()) / 1e6);
}

double TimespecMs(const struct timespec& t) { return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }

// new Receiver(fd, family, batch, onBatch, onError, useRecvmmsg = true): while started, reads `fd`
// whenever it is readable (a uv_poll_t on the event loop), up to kMaxPerWakeup packets per event,
// `batch` per recvmmsg() call (or per run of recvmsg() calls when useRecvmmsg is false, or batch is
// 1: scripts/bench-raw6.ts compares them), and calls, once per batch read,
//   onBatch(data: Buffer, meta: Float64Array, sources: string[], destinations: string[], count)
// where `data` holds the packets' bytes back to back (a fresh Buffer: the receiver's to keep;
// IPv6: the transport-layer bytes; IPv4: the whole packet) and meta holds per packet, kMetaFields
// numbers: length in data, hop limit (IPV6_HOPLIMIT / IP_TTL; -1 if absent), arrival time on the
// now() clock (SO_TIMESTAMPNS), flow label and traffic class (IPV6_FLOWINFO; IPv4: -1). One call per batch rather than per packet: a call from C++ into JS and a
// Buffer each cost more than the packet's recvmsg. Read errors other than EAGAIN go to
// onError(error). stop() ends it.
class Receiver : public Napi::ObjectWrap<Receiver> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Receiver", {InstanceMethod("stop", &Receiver::Stop)});
  }

  Receiver(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Receiver>(info), context_(info.Env(), "ttl-probe:raw6") {
    Napi::Env env = info.Env();
    fd_ = info[0].As<Napi::Number>().Int32Value();
    family_ = FamilyArg(info, 1);
    batch_ = info[2].As<Napi::Number>().Int32Value();
    if (batch_ < 1 || batch_ > 1024) throw Napi::RangeError::New(env, "batch must be 1..1024");
    onBatch_ = Napi::Persistent(info[3].As<Napi::Function>());
    onError_ = Napi::Persistent(info[4].As<Napi::Function>());
    useRecvmmsg_ = info.Length() < 6 || info[5].IsUndefined() || info[5].As<Napi::Boolean>().Value();
    slots_.resize(static_cast<size_t>(batch_) * kSlotBytes);
    controls_.resize(static_cast<size_t>(batch_) * kControlBytes);
    names_.resize(batch_);
    iovs_.resize(batch_);
    messages_.resize(batch_);
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok) throw Napi::Error::New(env, "no event loop");
    poll_ = new uv_poll_t;
    int status = uv_poll_init(loop, poll_, fd_);
    if (status != 0) {
      delete poll_;
      poll_ = nullptr;
      throw ErrnoError(env, "uv_poll_init", -status);
    }
    poll_->data = this;
    uv_poll_start(poll_, UV_READABLE, OnReadable);
    Ref();  // kept alive by the event loop while started, not only by JS references
  }

  ~Receiver() override { Shutdown(); }

 private:
  static const size_t kControlBytes = 256;

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    if (poll_ != nullptr) {
      Shutdown();
      Unref();
    }
    return info.Env().Undefined();
  }

  void Shutdown() {
    if (poll_ == nullptr) return;
    uv_poll_stop(poll_);
    uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* handle) { delete reinterpret_cast<uv_poll_t*>(handle); });
    poll_ = nullptr;
  }

  static void OnReadable(uv_poll_t* handle, int status, int events) {
    static_cast<Receiver*>(handle->data)->Drain(status);
  }

  void Prepare(int i) {
    iovs_[i].iov_base = &slots_[static_cast<size_t>(i) * kSlotBytes];
    iovs_[i].iov_len = kSlotBytes;
    struct msghdr& header = messages_[i].msg_hdr;
    memset(&header, 0, sizeof header);
    header.msg_name = &names_[i];
    header.msg_namelen = sizeof names_[i];
    header.msg_iov = &iovs_[i];
    header.msg_iovlen = 1;
    header.msg_control = &controls_[static_cast<size_t>(i) * kControlBytes];
    header.msg_controllen = kControlBytes;
    messages_[i].msg_len = 0;
  }

  // An address as text, reusing the previous packet's string when the bytes are the same (replies
  // in a batch mostly come from few hosts, and all go to the same destination).
  struct AddressText {
    uint8_t bytes[16];
    size_t length = 0;
    napi_value text = nullptr;
  };
  static napi_value Text(Napi::Env env, AddressText& last, int family, const void* bytes) {
    size_t length = family == 6 ? 16 : 4;
    if (last.text != nullptr && last.length == length && memcmp(last.bytes, bytes, length) == 0) return last.text;
    char text[INET6_ADDRSTRLEN] = "";
    inet_ntop(family == 6 ? AF_INET6 : AF_INET, bytes, text, sizeof text);
    memcpy(last.bytes, bytes, length);
    last.length = length;
    last.text = Napi::String::New(env, text);
    return last.text;
  }

  // The `count` packets just read, to JS in one call (a throw in the callback propagates as Napi::Error).
  void DeliverBatch(Napi::Env env, int count, double monotonicMinusRealtime, double readAt) {
    size_t total = 0;
    for (int i = 0; i < count; i++) total += messages_[i].msg_len < kSlotBytes ? messages_[i].msg_len : kSlotBytes;
    Napi::Buffer<uint8_t> data = Napi::Buffer<uint8_t>::New(env, total);
    Napi::Float64Array meta = Napi::Float64Array::New(env, static_cast<size_t>(count) * kMetaFields);
    Napi::Array sources = Napi::Array::New(env, count);
    Napi::Array destinations = Napi::Array::New(env, count);
    AddressText lastSource, lastDestination;
    static const uint8_t kUnspecified[16] = {0};
    size_t offset = 0;
    for (int i = 0; i < count; i++) {
      struct msghdr& header = messages_[i].msg_hdr;
      size_t length = messages_[i].msg_len < kSlotBytes ? messages_[i].msg_len : kSlotBytes;
      memcpy(data.Data() + offset, iovs_[i].iov_base, length);
      offset += length;
      int hopLimit = -1;
      // Linux sends IPV6_FLOWINFO only when the flow information is not 0: absent means 0 on an IPv6
      // socket (where open() turned it on); IPv4 has none.
      double flowLabel = family_ == 6 ? 0 : -1;
      double trafficClass = family_ == 6 ? 0 : -1;
      double receivedAt = readAt;
      const void* destination = kUnspecified;
      struct in6_pktinfo info6;
      struct in_pktinfo info4;
      for (struct cmsghdr* cmsg = CMSG_FIRSTHDR(&header); cmsg != nullptr; cmsg = CMSG_NXTHDR(&header, cmsg)) {
        if (cmsg->cmsg_level == IPPROTO_IPV6 && cmsg->cmsg_type == IPV6_HOPLIMIT) {
          memcpy(&hopLimit, CMSG_DATA(cmsg), sizeof hopLimit);
        } else if (cmsg->cmsg_level == IPPROTO_IPV6 && cmsg->cmsg_type == IPV6_PKTINFO) {
          memcpy(&info6, CMSG_DATA(cmsg), sizeof info6);
          destination = &info6.ipi6_addr;
        } else if (cmsg->cmsg_level == IPPROTO_IPV6 && cmsg->cmsg_type == kIpv6FlowInfo) {
          uint32_t flowInfo;  // network order: traffic class (8 bits), flow label (20 bits)
          memcpy(&flowInfo, CMSG_DATA(cmsg), sizeof flowInfo);
          flowInfo = ntohl(flowInfo);
          flowLabel = flowInfo & 0xfffff;
          trafficClass = (flowInfo >> 20) & 0xff;
        } else if (cmsg->cmsg_level == IPPROTO_IP && cmsg->cmsg_type == IP_TTL) {
          memcpy(&hopLimit, CMSG_DATA(cmsg), sizeof hopLimit);
        } else if (cmsg->cmsg_level == IPPROTO_IP && cmsg->cmsg_type == IP_PKTINFO) {
          memcpy(&info4, CMSG_DATA(cmsg), sizeof info4);
          destination = &info4.ipi_addr;
        } else if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_TIMESTAMPNS) {
          struct timespec arrival;
          memcpy(&arrival, CMSG_DATA(cmsg), sizeof arrival);
          receivedAt = TimespecMs(arrival) + monotonicMinusRealtime;
          // A clock step between arrival and read could put arrival after the read: keep the read time then.
          if (receivedAt > readAt) receivedAt = readAt;
        }
      }
      const void* source = family_ == 6 ? static_cast<const void*>(&reinterpret_cast<struct sockaddr_in6*>(&names_[i])->sin6_addr)
                                        : static_cast<const void*>(&reinterpret_cast<struct sockaddr_in*>(&names_[i])->sin_addr);
      sources.Set(static_cast<uint32_t>(i), Text(env, lastSource, family_, source));
      destinations.Set(static_cast<uint32_t>(i), Text(env, lastDestination, family_, destination));
      double* fields = &meta[i * kMetaFields];
      fields[0] = static_cast<double>(length);
      fields[1] = hopLimit;
      fields[2] = receivedAt;
      fields[3] = flowLabel;
      fields[4] = trafficClass;
    }
    onBatch_.Call({data, meta, sources, destinations, Napi::Number::New(env, count)});
  }

  void Drain(int status) {
    Napi::Env env = Env();
    Napi::HandleScope handleScope(env);
    napi_value thrown = nullptr;
    // A callback may stop() the receiver and drop the last reference: keep it alive until the end.
    Ref();
    {
      // One callback scope per readiness event: promise jobs and nextTicks queued by the
      // callbacks run when it closes, as after any I/O callback of Node.js.
      Napi::CallbackScope callbackScope(env, context_);
      try {
        if (status < 0) onError_.Call({ErrnoError(env, "uv_poll", -status).Value()});
        int delivered = 0;
        while (status >= 0 && poll_ != nullptr && delivered < kMaxPerWakeup) {
          int wanted = batch_ < kMaxPerWakeup - delivered ? batch_ : kMaxPerWakeup - delivered;
          for (int i = 0; i < wanted; i++) Prepare(i);
          int count;
          if (!useRecvmmsg_ || wanted == 1) {
            // One recvmsg() per packet, up to `wanted`; -1 (errno set) only when the first fails.
            count = 0;
            while (count < wanted) {
              ssize_t bytes = recvmsg(fd_, &messages_[count].msg_hdr, MSG_TRUNC);
              if (bytes < 0) break;
              messages_[count++].msg_len = static_cast<unsigned>(bytes);
            }
            if (count == 0) count = -1;
          } else {
            count = recvmmsg(fd_, messages_.data(), wanted, MSG_TRUNC, nullptr);
          }
          if (count < 0) {
            int err = errno;
            if (err != EAGAIN && err != EWOULDBLOCK && err != EINTR) onError_.Call({ErrnoError(env, "recvmsg", err).Value()});
            break;
          }
          struct timespec monotonic, realtime;
          clock_gettime(CLOCK_MONOTONIC, &monotonic);
          clock_gettime(CLOCK_REALTIME, &realtime);
          double readAt = TimespecMs(monotonic);
          double offset = readAt - TimespecMs(realtime);
          // The callback may stop() the receiver: the loop ends then.
          if (count > 0) DeliverBatch(env, count, offset, readAt);
          delivered += count;
          if (count < wanted) break;  // the socket is empty
        }
      } catch (const Napi::Error& error) {
        thrown = error.Value();
      }
    }
    // A callback that threw: the same as a throw in any event callback of Node.js.
    Unref();
    if (thrown != nullptr) napi_fatal_exception(env, thrown);
  }

  int fd_ = -1;
  int family_ = 6;
  int batch_ = 1;
  bool useRecvmmsg_ = true;
  uv_poll_t* poll_ = nullptr;
  Napi::AsyncContext context_;
  Napi::FunctionReference onBatch_;
  Napi::FunctionReference onError_;
  std::vector<uint8_t> slots_;
  std::vector<uint8_t> controls_;
  std::vector<struct sockaddr_storage> names_;
  std::vector<struct iovec> iovs_;
  std::vector<struct mmsghdr> messages_;
};

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("open", Napi::Function::New(env, Open, "open"));
  exports.Set("send", Napi::Function::New(env, Send, "send"));
  exports.Set("sendMany", Napi::Function::New(env, SendMany, "sendMany"));
  exports.Set("close", Napi::Function::New(env, Close, "close"));
  exports.Set("now", Napi::Function::New(env, Now, "now"));
  exports.Set("Receiver", Receiver::Define(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(ttl_probe_raw6, Init)
