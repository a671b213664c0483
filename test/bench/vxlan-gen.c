/*
 * vxlan-gen: a paced VXLAN traffic generator for the ClusterTap ingest benchmark.
 *
 * Sends UDP datagrams that each carry an 8-byte VXLAN header (I flag set) and an inner
 * Ethernet/IPv4/UDP frame of exactly SIZE bytes, at RATE packets per second for SECONDS,
 * using sendmmsg() batches. The inner UDP payload starts with the magic "CTBN" and a 64-bit
 * big-endian sequence number (0, 1, 2, ...), so a capture can be checked for gaps.
 *
 * Pacing: packet n is due at start + n / RATE. The loop sends every packet that is due (at most
 * BATCH per sendmmsg), then sleeps with clock_nanosleep(TIMER_ABSTIME) until shortly before the
 * next one is due and spins on clock_gettime for the rest, so the average rate is exact and
 * bursts are no longer than BATCH packets. When the kernel cannot keep up, the generator falls
 * behind and reports the rate it actually achieved; it never sends a catch-up burst larger than
 * BATCH.
 *
 * Build: gcc -O2 -Wall -o vxlan-gen vxlan-gen.c
 * Usage: vxlan-gen -d ADDR [-p PORT] -r PPS -t SECONDS [-s SIZE] [-v VNI[,VNI...]]
 *                  [-b BATCH] [-P SRCPORT]
 * Prints one JSON line with what was actually sent.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH 1024
#define MAX_VNIS 64
#define VXLAN_HEADER 8
#define ETH_HEADER 14
#define IP_HEADER 20
#define UDP_HEADER 8
#define SEQ_OFFSET (ETH_HEADER + IP_HEADER + UDP_HEADER + 4) /* after the "CTBN" magic */
#define MIN_INNER (SEQ_OFFSET + 8)
#define MAX_INNER 8950 /* fits a 9000-byte MTU with outer IPv4/UDP/VXLAN headers */
/* Sleep only when the next packet is further away than this; spin for the last stretch. */
#define SPIN_NS 60000

struct options {
  const char *address;
  int port;
  double rate;
  double seconds;
  int size;
  uint32_t vnis[MAX_VNIS];
  int vni_count;
  int batch;
  int source_port;
};

static void usage(void) {
  fprintf(stderr,
          "usage: vxlan-gen -d ADDR [-p PORT] -r PPS -t SECONDS [-s SIZE] [-v VNI[,VNI...]] [-b BATCH] "
          "[-P SRCPORT]\n"
          "  SIZE: inner Ethernet frame bytes (%d..%d, default 64); BATCH: max datagrams per sendmmsg "
          "(default 32)\n",
          MIN_INNER, MAX_INNER);
  exit(2);
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_until_ns(int64_t deadline) {
  struct timespec ts = {.tv_sec = deadline / 1000000000, .tv_nsec = deadline % 1000000000};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
  }
}

static void parse_vnis(struct options *o, char *list) {
  o->vni_count = 0;
  for (char *part = strtok(list, ","); part; part = strtok(NULL, ",")) {
    long vni = strtol(part, NULL, 10);
    if (vni < 0 || vni > 0xffffff || o->vni_count == MAX_VNIS) usage();
    o->vnis[o->vni_count++] = (uint32_t)vni;
  }
  if (o->vni_count == 0) usage();
}

static struct options parse_options(int argc, char **argv) {
  struct options o = {.port = 4789, .size = 64, .vnis = {100}, .vni_count = 1, .batch = 32, .source_port = 0};
  o.rate = -1;
  o.seconds = -1;
  int c;
  while ((c = getopt(argc, argv, "d:p:r:t:s:v:b:P:")) != -1) {
    switch (c) {
      case 'd': o.address = optarg; break;
      case 'p': o.port = atoi(optarg); break;
      case 'r': o.rate = atof(optarg); break;
      case 't': o.seconds = atof(optarg); break;
      case 's': o.size = atoi(optarg); break;
      case 'v': parse_vnis(&o, optarg); break;
      case 'b': o.batch = atoi(optarg); break;
      case 'P': o.source_port = atoi(optarg); break;
      default: usage();
    }
  }
  if (!o.address || o.rate <= 0 || o.seconds <= 0 || o.size < MIN_INNER || o.size > MAX_INNER || o.batch < 1 ||
      o.batch > MAX_BATCH || o.port < 1 || o.port > 65535)
    usage();
  return o;
}

static uint16_t ip_checksum(const uint8_t *header, int length) {
  uint32_t sum = 0;
  for (int i = 0; i < length; i += 2) sum += (uint32_t)(header[i] << 8 | header[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

static void put16(uint8_t *at, uint16_t v) { at[0] = v >> 8; at[1] = v & 0xff; }

/*
 * VXLAN header + inner frame 02:00:00:00:00:01 → 02:00:00:00:00:02, IPv4 198.19.0.1 → 198.19.0.2
 * (RFC 2544 benchmark range), UDP 40000 → 9 (discard). The inner UDP checksum is 0 (allowed for
 * IPv4), so only the sequence number changes from packet to packet.
 */
static void build_datagram(uint8_t *d, int size, uint32_t vni) {
  memset(d, 0, VXLAN_HEADER + size);
  d[0] = 0x08; /* I flag: the VNI is valid */
  d[4] = (vni >> 16) & 0xff;
  d[5] = (vni >> 8) & 0xff;
  d[6] = vni & 0xff;
  uint8_t *eth = d + VXLAN_HEADER;
  memcpy(eth, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", ETH_HEADER);
  uint8_t *ip = eth + ETH_HEADER;
  ip[0] = 0x45;
  put16(ip + 2, (uint16_t)(size - ETH_HEADER));
  put16(ip + 6, 0x4000); /* DF */
  ip[8] = 64;            /* TTL */
  ip[9] = 17;            /* UDP */
  memcpy(ip + 12, "\xc6\x13\x00\x01\xc6\x13\x00\x02", 8);
  put16(ip + 10, ip_checksum(ip, IP_HEADER));
  uint8_t *udp = ip + IP_HEADER;
  put16(udp, 40000);
  put16(udp + 2, 9);
  put16(udp + 4, (uint16_t)(size - ETH_HEADER - IP_HEADER));
  memcpy(udp + UDP_HEADER, "CTBN", 4);
}

static void put_sequence(uint8_t *datagram, uint64_t seq) {
  uint8_t *at = datagram + VXLAN_HEADER + SEQ_OFFSET;
  for (int i = 7; i >= 0; i--, seq >>= 8) at[i] = seq & 0xff;
}

static int open_socket(const struct options *o) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) { perror("socket"); exit(1); }
  int sndbuf = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  if (o->source_port) {
    struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons(o->source_port)};
    if (bind(fd, (struct sockaddr *)&local, sizeof local) < 0) { perror("bind"); exit(1); }
  }
  /* Deliberately not connect()ed: an ICMP port unreachable (nobody listening while only
   * tcpdump captures) would otherwise fail later sends with ECONNREFUSED. */
  return fd;
}

int main(int argc, char **argv) {
  struct options o = parse_options(argc, argv);
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(o.port)};
  if (inet_pton(AF_INET, o.address, &to.sin_addr) != 1) usage();
  int fd = open_socket(&o);

  /* One buffer per batch slot, so a batch can carry consecutive sequence numbers. */
  const int length = VXLAN_HEADER + o.size;
  static struct mmsghdr messages[MAX_BATCH];
  static struct iovec iovecs[MAX_BATCH];
  uint8_t *buffers = malloc((size_t)MAX_BATCH * length);
  if (!buffers) { perror("malloc"); return 1; }
  for (int i = 0; i < o.batch; i++) {
    iovecs[i] = (struct iovec){.iov_base = buffers + (size_t)i * length, .iov_len = (size_t)length};
    messages[i].msg_hdr = (struct msghdr){.msg_name = &to, .msg_namelen = sizeof to, .msg_iov = &iovecs[i], .msg_iovlen = 1};
  }

  const double ns_per_packet = 1e9 / o.rate;
  const int64_t start = now_ns();
  const int64_t end = start + (int64_t)(o.seconds * 1e9);
  uint64_t sent = 0, calls = 0, errors = 0, late = 0;
  int current_vni_slot[MAX_BATCH];
  for (int i = 0; i < MAX_BATCH; i++) current_vni_slot[i] = -1;

  for (;;) {
    int64_t now = now_ns();
    if (now >= end) break;
    uint64_t due = (uint64_t)((double)(now - start) / ns_per_packet) + 1;
    if (due <= sent) {
      int64_t next = start + (int64_t)((double)sent * ns_per_packet);
      if (next > end) break;
      if (next - now > SPIN_NS) sleep_until_ns(next - SPIN_NS / 2);
      continue; /* spin until the next packet is due */
    }
    uint64_t want = due - sent;
    if (want > (uint64_t)o.batch) { want = (uint64_t)o.batch; late++; }
    for (uint64_t i = 0; i < want; i++) {
      uint64_t seq = sent + i;
      int slot = (int)(seq % (uint64_t)o.vni_count);
      uint8_t *d = iovecs[i].iov_base;
      if (current_vni_slot[i] != slot) { build_datagram(d, o.size, o.vnis[slot]); current_vni_slot[i] = slot; }
      put_sequence(d, seq);
    }
    int n = sendmmsg(fd, messages, (unsigned)want, 0);
    calls++;
    if (n < 0) {
      if (errno != EINTR) errors++;
      if (errno == ENOBUFS || errno == EAGAIN) usleep(10);
      continue;
    }
    sent += (uint64_t)n;
  }
  double elapsed = (double)(now_ns() - start) / 1e9;
  double pps = (double)sent / elapsed;
  printf("{\"requestedPps\":%.0f,\"seconds\":%.6f,\"sent\":%llu,\"pps\":%.1f,\"innerBytes\":%d,"
         "\"innerGbps\":%.4f,\"udpPayloadBytes\":%d,\"sendmmsgCalls\":%llu,\"lateBatches\":%llu,"
         "\"sendErrors\":%llu,\"vnis\":%d}\n",
         o.rate, elapsed, (unsigned long long)sent, pps, o.size, pps * o.size * 8 / 1e9, length,
         (unsigned long long)calls, (unsigned long long)late, (unsigned long long)errors, o.vni_count);
  return 0;
}
