/*
 * udp_batch: receive UDP datagrams in batches (recvmmsg) for the VXLAN terminator.
 *
 * Why native: Node's dgram delivers one JS callback, one Buffer and one rinfo object (with the
 * address formatted as a string) per datagram, which caps a core at ~220 kpps (BENCHMARKS.md).
 * Here one poll wake-up reads up to `batch` datagrams into slots of a JS-owned ArrayBuffer and
 * calls JS once per batch with the count.
 *
 * Memory safety: this file never parses packet bytes. It only asks the kernel to write at most
 * `slot` bytes into each slot (the buffer size is checked against batch * slot at open), and
 * writes fixed-size metadata (length, flags, kernel timestamp, source address) into a JS-owned
 * Uint32Array checked the same way. All decoding happens in TypeScript with bounds checks.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#define MAX_BATCH 256
#define META_WORDS 8 /* length, flags, ts_hi, ts_lo (ns), address (16 bytes) */
#define FLAG_TRUNCATED 1u
#define FLAG_IPV6 2u
#define CONTROL_SIZE 128
/* Batches read per poll wake-up before yielding to the rest of the event loop. */
#define BATCHES_PER_WAKEUP 16

typedef struct {
  int fd;
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_ref data_ref;
  napi_ref meta_ref;
  napi_async_context async_context;
  uint8_t *data;
  uint32_t *meta;
  size_t slot;
  unsigned batch;
  uint32_t kernel_drops; /* SO_RXQ_OVFL: cumulative drops on this socket */
  int polling;
  struct mmsghdr msgs[MAX_BATCH];
  struct iovec iov[MAX_BATCH];
  struct sockaddr_storage addrs[MAX_BATCH];
  uint8_t control[MAX_BATCH][CONTROL_SIZE];
} receiver_t;

#define CHECK(env, call)                                                   \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      napi_throw_error((env), NULL, "udp_batch: N-API call failed: " #call); \
      return NULL;                                                         \
    }                                                                      \
  } while (0)

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_value code, text, error;
  napi_create_string_utf8(env, err == EADDRINUSE ? "EADDRINUSE" : err == EACCES ? "EACCES"
                                   : err == EADDRNOTAVAIL ? "EADDRNOTAVAIL" : "ERR_UDP_BATCH",
                          NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &error);
  napi_set_named_property(env, error, "code", code);
  napi_throw(env, error);
  return NULL;
}

static void store_metadata(receiver_t *r, unsigned i) {
  struct msghdr *h = &r->msgs[i].msg_hdr;
  uint32_t *m = r->meta + (size_t)i * META_WORDS;
  uint32_t flags = (h->msg_flags & MSG_TRUNC) ? FLAG_TRUNCATED : 0;
  uint32_t length = r->msgs[i].msg_len;
  m[0] = length > r->slot ? (uint32_t)r->slot : length;
  uint64_t ns = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
    if (c->cmsg_level != SOL_SOCKET) continue;
    if (c->cmsg_type == SCM_TIMESTAMPNS) {
      struct timespec ts;
      memcpy(&ts, CMSG_DATA(c), sizeof ts);
      ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    } else if (c->cmsg_type == SO_RXQ_OVFL) {
      memcpy(&r->kernel_drops, CMSG_DATA(c), sizeof r->kernel_drops);
    }
  }
  if (ns == 0) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
  }
  m[2] = (uint32_t)(ns >> 32);
  m[3] = (uint32_t)ns;
  uint8_t *address = (uint8_t *)(m + 4);
  memset(address, 0, 16);
  if (r->addrs[i].ss_family == AF_INET6) {
    flags |= FLAG_IPV6;
    memcpy(address, &((struct sockaddr_in6 *)&r->addrs[i])->sin6_addr, 16);
  } else {
    memcpy(address, &((struct sockaddr_in *)&r->addrs[i])->sin_addr, 4);
  }
  m[1] = flags;
}

static int receive_batch(receiver_t *r) {
  for (unsigned i = 0; i < r->batch; i++) {
    r->msgs[i].msg_hdr.msg_namelen = sizeof r->addrs[i];
    r->msgs[i].msg_hdr.msg_controllen = CONTROL_SIZE;
    r->msgs[i].msg_hdr.msg_flags = 0;
  }
  int n;
  do {
    n = recvmmsg(r->fd, r->msgs, r->batch, MSG_DONTWAIT, NULL);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return 0;
  for (unsigned i = 0; i < (unsigned)n; i++) store_metadata(r, i);
  return n;
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  receiver_t *r = handle->data;
  if (status < 0 || !r->polling) return;
  napi_env env = r->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value callback, resource, count;
  napi_get_reference_value(env, r->callback, &callback);
  napi_create_object(env, &resource);
  for (int round = 0; round < BATCHES_PER_WAKEUP && r->polling; round++) {
    int n = receive_batch(r);
    if (n == 0) break;
    napi_create_uint32(env, (uint32_t)n, &count);
    /* make_callback runs the microtask queue and reports exceptions like any Node callback. */
    napi_value ignored;
    if (napi_make_callback(env, r->async_context, resource, callback, 1, &count, &ignored) != napi_ok) {
      napi_value exception;
      if (napi_get_and_clear_last_exception(env, &exception) == napi_ok) napi_fatal_exception(env, exception);
      break;
    }
    if (n < (int)r->batch) break;
  }
  napi_close_handle_scope(env, scope);
}

static void on_closed(uv_handle_t *handle) {
  receiver_t *r = handle->data;
  napi_delete_reference(r->env, r->callback);
  napi_delete_reference(r->env, r->data_ref);
  napi_delete_reference(r->env, r->meta_ref);
  napi_async_destroy(r->env, r->async_context);
  close(r->fd);
  free(r);
}

static receiver_t *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  void *data = NULL;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, self, &data) != napi_ok || data == NULL) {
    napi_throw_error(env, NULL, "udp_batch: receiver is closed");
    return NULL;
  }
  return data;
}

/* close(): stop polling and release the socket once libuv is done with the handle. */
static napi_value receiver_close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value self;
  void *data = NULL;
  CHECK(env, napi_get_cb_info(env, info, &argc, NULL, &self, NULL));
  if (napi_remove_wrap(env, self, &data) != napi_ok || data == NULL) return NULL;
  receiver_t *r = data;
  r->polling = 0;
  uv_poll_stop(&r->poll);
  uv_close((uv_handle_t *)&r->poll, on_closed);
  return NULL;
}

/* stats(): [kernel drops, receive buffer bytes, bound port] */
static napi_value receiver_stats(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  receiver_t *r = unwrap(env, info, &argc, NULL);
  if (r == NULL) return NULL;
  int rcvbuf = 0;
  socklen_t len = sizeof rcvbuf;
  getsockopt(r->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len);
  struct sockaddr_storage local;
  socklen_t local_len = sizeof local;
  getsockname(r->fd, (struct sockaddr *)&local, &local_len);
  uint16_t port = ntohs(local.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&local)->sin6_port
                                                    : ((struct sockaddr_in *)&local)->sin_port);
  napi_value result, value;
  CHECK(env, napi_create_array_with_length(env, 3, &result));
  uint32_t values[3] = {r->kernel_drops, (uint32_t)rcvbuf, port};
  for (uint32_t i = 0; i < 3; i++) {
    CHECK(env, napi_create_uint32(env, values[i], &value));
    CHECK(env, napi_set_element(env, result, i, value));
  }
  return result;
}

static int open_socket(int family, const char *address, int port, int rcvbuf) {
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int on = 1;
  /* Root may exceed net.core.rmem_max (SO_RCVBUFFORCE); everyone else gets what it allows. */
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on);
  int rc;
  if (family == AF_INET6) {
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET6, address, &sa.sin6_addr) != 1) { close(fd); return -EINVAL; }
    rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
  } else {
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, address, &sa.sin_addr) != 1) { close(fd); return -EINVAL; }
    rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
  }
  if (rc < 0) { int err = errno; close(fd); return -err; }
  return fd;
}

/*
 * open(family 4|6, address, port, rcvbuf, data ArrayBuffer, slot, meta Uint32Array, onBatch)
 * → receiver object with close() and stats().
 */
static napi_value receiver_open(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 8) {
    napi_throw_type_error(env, NULL, "udp_batch.open: expected 8 arguments");
    return NULL;
  }
  int32_t family, port, rcvbuf;
  uint32_t slot;
  char address[64];
  size_t address_len;
  CHECK(env, napi_get_value_int32(env, argv[0], &family));
  CHECK(env, napi_get_value_string_utf8(env, argv[1], address, sizeof address, &address_len));
  CHECK(env, napi_get_value_int32(env, argv[2], &port));
  CHECK(env, napi_get_value_int32(env, argv[3], &rcvbuf));
  CHECK(env, napi_get_value_uint32(env, argv[5], &slot));

  void *data;
  size_t data_len;
  CHECK(env, napi_get_arraybuffer_info(env, argv[4], &data, &data_len));
  napi_typedarray_type meta_type;
  size_t meta_len;
  void *meta;
  CHECK(env, napi_get_typedarray_info(env, argv[6], &meta_type, &meta_len, &meta, NULL, NULL));
  if (slot == 0 || meta_type != napi_uint32_array || meta_len < META_WORDS) {
    napi_throw_range_error(env, NULL, "udp_batch.open: bad slot size or metadata array");
    return NULL;
  }
  size_t batch = data_len / slot;
  if (batch > meta_len / META_WORDS) batch = meta_len / META_WORDS;
  if (batch > MAX_BATCH) batch = MAX_BATCH;
  if (batch == 0) {
    napi_throw_range_error(env, NULL, "udp_batch.open: buffer smaller than one slot");
    return NULL;
  }

  int fd = open_socket(family == 6 ? AF_INET6 : AF_INET, address, port, rcvbuf);
  if (fd < 0) return throw_errno(env, "bind", -fd);

  receiver_t *r = calloc(1, sizeof *r);
  if (r == NULL) { close(fd); return throw_errno(env, "calloc", ENOMEM); }
  r->fd = fd;
  r->env = env;
  r->data = data;
  r->meta = meta;
  r->slot = slot;
  r->batch = (unsigned)batch;
  for (unsigned i = 0; i < r->batch; i++) {
    r->iov[i].iov_base = r->data + (size_t)i * slot;
    r->iov[i].iov_len = slot;
    r->msgs[i].msg_hdr.msg_iov = &r->iov[i];
    r->msgs[i].msg_hdr.msg_iovlen = 1;
    r->msgs[i].msg_hdr.msg_name = &r->addrs[i];
    r->msgs[i].msg_hdr.msg_control = r->control[i];
  }
  /* References keep the JS buffers (that the kernel writes into) alive while we poll. */
  CHECK(env, napi_create_reference(env, argv[4], 1, &r->data_ref));
  CHECK(env, napi_create_reference(env, argv[6], 1, &r->meta_ref));
  CHECK(env, napi_create_reference(env, argv[7], 1, &r->callback));
  napi_value resource_name;
  CHECK(env, napi_create_string_utf8(env, "clustertap:udp_batch", NAPI_AUTO_LENGTH, &resource_name));
  CHECK(env, napi_async_init(env, NULL, resource_name, &r->async_context));

  uv_loop_t *loop;
  CHECK(env, napi_get_uv_event_loop(env, &loop));
  uv_poll_init_socket(loop, &r->poll, fd);
  r->poll.data = r;
  r->polling = 1;
  uv_poll_start(&r->poll, UV_READABLE, on_readable);

  napi_value self, fn;
  CHECK(env, napi_create_object(env, &self));
  CHECK(env, napi_wrap(env, self, r, NULL, NULL, NULL));
  CHECK(env, napi_create_function(env, "close", NAPI_AUTO_LENGTH, receiver_close, NULL, &fn));
  CHECK(env, napi_set_named_property(env, self, "close", fn));
  CHECK(env, napi_create_function(env, "stats", NAPI_AUTO_LENGTH, receiver_stats, NULL, &fn));
  CHECK(env, napi_set_named_property(env, self, "stats", fn));
  return self;
}

/*
 * GRE has no socket API in Node: forwarders send through a raw IPPROTO_GRE socket (the kernel
 * adds the IP header). greOpen(family) → fd; greSend(fd, family, address, bytes) → bytes sent,
 * or -1 when the socket buffer is full (the caller counts a drop); greClose(fd).
 */
static napi_value gre_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  int32_t family;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(env, napi_get_value_int32(env, argv[0], &family));
  int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_GRE);
  if (fd < 0) return throw_errno(env, "socket(SOCK_RAW, IPPROTO_GRE)", errno);
  CHECK(env, napi_create_int32(env, fd, &result));
  return result;
}

static napi_value gre_send(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], result;
  int32_t fd, family;
  char address[64];
  size_t address_len, length;
  void *bytes;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(env, napi_get_value_int32(env, argv[0], &fd));
  CHECK(env, napi_get_value_int32(env, argv[1], &family));
  CHECK(env, napi_get_value_string_utf8(env, argv[2], address, sizeof address, &address_len));
  CHECK(env, napi_get_typedarray_info(env, argv[3], NULL, &length, &bytes, NULL, NULL));
  ssize_t sent;
  if (family == 6) {
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
    if (inet_pton(AF_INET6, address, &sa.sin6_addr) != 1) return throw_errno(env, "greSend address", EINVAL);
    sent = sendto(fd, bytes, length, MSG_DONTWAIT, (struct sockaddr *)&sa, sizeof sa);
  } else {
    struct sockaddr_in sa = {.sin_family = AF_INET};
    if (inet_pton(AF_INET, address, &sa.sin_addr) != 1) return throw_errno(env, "greSend address", EINVAL);
    sent = sendto(fd, bytes, length, MSG_DONTWAIT, (struct sockaddr *)&sa, sizeof sa);
  }
  CHECK(env, napi_create_int32(env, sent < 0 ? -1 : (int32_t)sent, &result));
  return result;
}

static napi_value gre_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(env, napi_get_value_int32(env, argv[0], &fd));
  close(fd);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  const struct { const char *name; napi_callback fn; } functions[] = {
      {"open", receiver_open}, {"greOpen", gre_open}, {"greSend", gre_send}, {"greClose", gre_close}};
  for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
    napi_value fn;
    CHECK(env, napi_create_function(env, functions[i].name, NAPI_AUTO_LENGTH, functions[i].fn, NULL, &fn));
    CHECK(env, napi_set_named_property(env, exports, functions[i].name, fn));
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
