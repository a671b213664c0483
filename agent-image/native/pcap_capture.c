/*
 * pcap_capture: the agent's user-space capture for the `api` transport, and the tunnel probe.
 *
 * Why native: the API transport must see exactly what the kernel mirror would (one direction of
 * one pod's host veth, the same capture filter), which is libpcap's pcap_setdirection and its
 * own filter compiler. The agent polls each handle (non-blocking pcap_dispatch); a poll returns
 * many packets in one Buffer, so the per-packet cost stays in C.
 *
 * Records in a read() buffer, each 4-byte aligned, little-endian on every host:
 *   u32 seconds, u32 nanoseconds, u32 captured length, u32 original length, bytes, padding.
 */
#include <net/if.h>
#include <netpacket/packet.h>
#include <node_api.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <endian.h>
#include <errno.h>

#define CHECK(env, call)                                                         \
  do {                                                                           \
    if ((call) != napi_ok) {                                                     \
      napi_throw_error((env), NULL, "pcap_capture: N-API call failed: " #call);  \
      return NULL;                                                               \
    }                                                                            \
  } while (0)

#define RECORD_HEADER 16
#define MAX_NAME 64
#define MAX_FILTER 65536

typedef struct {
  pcap_t *pcap;
} capture_t;

typedef struct {
  uint8_t *out;
  size_t used;
  size_t capacity;
  uint32_t count;
} read_state_t;

static void finalize_capture(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  capture_t *capture = data;
  if (capture->pcap != NULL) pcap_close(capture->pcap);
  free(capture);
}

static char *string_arg(napi_env env, napi_value value, size_t limit) {
  size_t length;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "pcap_capture: expected a string");
    return NULL;
  }
  if (length > limit) {
    napi_throw_range_error(env, NULL, "pcap_capture: string too long");
    return NULL;
  }
  char *text = malloc(length + 1);
  if (text == NULL) {
    napi_throw_error(env, NULL, "pcap_capture: out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, value, text, length + 1, &length);
  return text;
}

static capture_t *capture_arg(napi_env env, napi_value value) {
  capture_t *capture = NULL;
  if (napi_get_value_external(env, value, (void **)&capture) != napi_ok || capture == NULL ||
      capture->pcap == NULL) {
    napi_throw_error(env, NULL, "pcap_capture: the capture is closed");
    return NULL;
  }
  return capture;
}

/* Throws pcap's own message, prefixed with what we were doing. */
static napi_value fail(napi_env env, pcap_t *pcap, const char *doing, const char *detail) {
  char message[PCAP_ERRBUF_SIZE + 128];
  snprintf(message, sizeof message, "%s: %s", doing, detail != NULL ? detail : pcap_geterr(pcap));
  if (pcap != NULL) pcap_close(pcap);
  napi_throw_error(env, NULL, message);
  return NULL;
}

/*
 * open(device, direction, snapLength, bufferBytes, filter) → capture.
 * direction: 0 both, 1 in (received by the device), 2 out (sent by it).
 */
static napi_value open_capture(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 5) {
    napi_throw_type_error(env, NULL, "pcap_capture.open: expected 5 arguments");
    return NULL;
  }
  int32_t direction, snap_length, buffer_bytes;
  CHECK(env, napi_get_value_int32(env, argv[1], &direction));
  CHECK(env, napi_get_value_int32(env, argv[2], &snap_length));
  CHECK(env, napi_get_value_int32(env, argv[3], &buffer_bytes));
  char *device = string_arg(env, argv[0], MAX_NAME);
  if (device == NULL) return NULL;
  char *filter = string_arg(env, argv[4], MAX_FILTER);
  if (filter == NULL) {
    free(device);
    return NULL;
  }
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  napi_value result = NULL;
  pcap_t *pcap = pcap_create(device, errbuf);
  if (pcap == NULL) {
    fail(env, NULL, device, errbuf);
    goto done;
  }
  pcap_set_snaplen(pcap, snap_length);
  pcap_set_promisc(pcap, 0);
  pcap_set_immediate_mode(pcap, 1);
  pcap_set_buffer_size(pcap, buffer_bytes);
  pcap_set_tstamp_precision(pcap, PCAP_TSTAMP_PRECISION_NANO);
  int status = pcap_activate(pcap);
  if (status < 0) {
    fail(env, pcap, device, status == PCAP_ERROR ? NULL : pcap_statustostr(status));
    goto done;
  }
  if (pcap_setnonblock(pcap, 1, errbuf) != 0) {
    fail(env, pcap, "non-blocking mode", errbuf);
    goto done;
  }
  if (direction != 0 && pcap_setdirection(pcap, direction == 1 ? PCAP_D_IN : PCAP_D_OUT) != 0) {
    fail(env, pcap, "direction", NULL);
    goto done;
  }
  if (filter[0] != '\0') {
    struct bpf_program program;
    if (pcap_compile(pcap, &program, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
      fail(env, pcap, "capture filter", NULL);
      goto done;
    }
    int set = pcap_setfilter(pcap, &program);
    pcap_freecode(&program);
    if (set != 0) {
      fail(env, pcap, "capture filter", NULL);
      goto done;
    }
  }
  capture_t *capture = malloc(sizeof *capture);
  if (capture == NULL) {
    fail(env, pcap, "open", "out of memory");
    goto done;
  }
  capture->pcap = pcap;
  if (napi_create_external(env, capture, finalize_capture, NULL, &result) != napi_ok) {
    pcap_close(pcap);
    free(capture);
    napi_throw_error(env, NULL, "pcap_capture.open: N-API call failed");
    result = NULL;
  }
done:
  free(device);
  free(filter);
  return result;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *header, const u_char *bytes) {
  read_state_t *state = (read_state_t *)user;
  size_t need = RECORD_HEADER + ((header->caplen + 3u) & ~3u);
  if (state->used + need > state->capacity) return; /* sized for max packets × snaplen: unreachable */
  /* tv_usec holds nanoseconds: the handle was opened with PCAP_TSTAMP_PRECISION_NANO. */
  uint32_t words[4] = {htole32((uint32_t)header->ts.tv_sec), htole32((uint32_t)header->ts.tv_usec),
                       htole32(header->caplen), htole32(header->len)};
  memcpy(state->out + state->used, words, sizeof words);
  memcpy(state->out + state->used + RECORD_HEADER, bytes, header->caplen);
  memset(state->out + state->used + RECORD_HEADER + header->caplen, 0, need - RECORD_HEADER - header->caplen);
  state->used += need;
  state->count++;
}

/* read(capture, maxPackets) → Buffer of records, or null when none waited. */
static napi_value read_capture(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  capture_t *capture = capture_arg(env, argv[0]);
  if (capture == NULL) return NULL;
  int32_t max_packets;
  CHECK(env, napi_get_value_int32(env, argv[1], &max_packets));
  if (max_packets < 1 || max_packets > 100000) max_packets = 1000;
  size_t snap = (size_t)pcap_snapshot(capture->pcap);
  read_state_t state = {NULL, 0, (size_t)max_packets * (RECORD_HEADER + ((snap + 3) & ~(size_t)3)), 0};
  state.out = malloc(state.capacity);
  if (state.out == NULL) {
    napi_throw_error(env, NULL, "pcap_capture.read: out of memory");
    return NULL;
  }
  int got = pcap_dispatch(capture->pcap, max_packets, on_packet, (u_char *)&state);
  if (got < 0) {
    char message[PCAP_ERRBUF_SIZE + 32];
    snprintf(message, sizeof message, "capture: %s", pcap_geterr(capture->pcap));
    free(state.out);
    napi_throw_error(env, NULL, message);
    return NULL;
  }
  napi_value result;
  if (state.used == 0) {
    free(state.out);
    CHECK(env, napi_get_null(env, &result));
    return result;
  }
  void *data;
  if (napi_create_buffer_copy(env, state.used, state.out, &data, &result) != napi_ok) {
    free(state.out);
    napi_throw_error(env, NULL, "pcap_capture.read: N-API call failed");
    return NULL;
  }
  free(state.out);
  return result;
}

/* stats(capture) → [received, dropped by the kernel buffer, dropped by the interface]. */
static napi_value stats_capture(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  capture_t *capture = capture_arg(env, argv[0]);
  if (capture == NULL) return NULL;
  struct pcap_stat stat;
  memset(&stat, 0, sizeof stat);
  if (pcap_stats(capture->pcap, &stat) != 0) {
    napi_throw_error(env, NULL, pcap_geterr(capture->pcap));
    return NULL;
  }
  napi_value result, value;
  CHECK(env, napi_create_array_with_length(env, 3, &result));
  uint32_t values[3] = {stat.ps_recv, stat.ps_drop, stat.ps_ifdrop};
  for (uint32_t i = 0; i < 3; i++) {
    CHECK(env, napi_create_uint32(env, values[i], &value));
    CHECK(env, napi_set_element(env, result, i, value));
  }
  return result;
}

static napi_value close_capture(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  capture_t *capture = NULL;
  if (napi_get_value_external(env, argv[0], (void **)&capture) == napi_ok && capture != NULL &&
      capture->pcap != NULL) {
    pcap_close(capture->pcap);
    capture->pcap = NULL;
  }
  return NULL;
}

/*
 * inject(device, frame) → bytes sent. A packet socket of protocol 0 receives nothing, so the
 * probe costs no copy of the mirrored traffic the tunnel device carries.
 */
static napi_value inject(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char *device = string_arg(env, argv[0], MAX_NAME);
  if (device == NULL) return NULL;
  void *frame;
  size_t length;
  if (napi_get_buffer_info(env, argv[1], &frame, &length) != napi_ok) {
    free(device);
    napi_throw_type_error(env, NULL, "pcap_capture.inject: expected a Buffer");
    return NULL;
  }
  char message[256];
  unsigned index = if_nametoindex(device);
  if (index == 0) {
    snprintf(message, sizeof message, "%s: %s", device, strerror(errno));
    free(device);
    napi_throw_error(env, NULL, message);
    return NULL;
  }
  int fd = socket(AF_PACKET, SOCK_RAW, 0);
  if (fd < 0) {
    snprintf(message, sizeof message, "packet socket: %s", strerror(errno));
    free(device);
    napi_throw_error(env, NULL, message);
    return NULL;
  }
  struct sockaddr_ll address;
  memset(&address, 0, sizeof address);
  address.sll_family = AF_PACKET;
  address.sll_ifindex = (int)index;
  address.sll_halen = 6;
  memcpy(address.sll_addr, frame, length >= 6 ? 6 : length);
  ssize_t sent = sendto(fd, frame, length, 0, (struct sockaddr *)&address, sizeof address);
  int saved = errno;
  close(fd);
  if (sent < 0) {
    snprintf(message, sizeof message, "sending on %s: %s", device, strerror(saved));
    free(device);
    napi_throw_error(env, NULL, message);
    return NULL;
  }
  free(device);
  napi_value result;
  CHECK(env, napi_create_int64(env, sent, &result));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"open", NULL, open_capture, NULL, NULL, NULL, napi_default, NULL},
      {"read", NULL, read_capture, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, stats_capture, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, close_capture, NULL, NULL, NULL, napi_default, NULL},
      {"inject", NULL, inject, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(env, napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
