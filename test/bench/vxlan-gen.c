/*
 * vxlan-gen: a paced VXLAN traffic generator for the ClusterTap ingest benchmark.
 *
 * Sends UDP datagrams that each carry an 8-byte VXLAN header (I flag set) and an inner
 * Ethernet/IPv4/UDP frame of exactly SIZE bytes, at RATE packets per second for SECONDS,
 * using sendmmsg() batches. The inner UDP payload starts with the magic "CTBN" and a 64-bit
 * big-endian sequence number (0, 1, 2, ...), so a capture can be checked for gaps.
 *
 * Pacing: datagram n is due at start + n / RATE, and datagrams leave in bursts of exactly BATCH
 * (one sendmmsg each), a burst as soon as its last datagram is due: so the stream is BATCH
 * back-to-back datagrams every BATCH / RATE seconds, whatever the machine. The wait is a
 * clock_nanosleep(TIMER_ABSTIME) until shortly before the deadline and a clock_gettime spin for
 * the rest (a sleep alone wakes up late). When the kernel cannot keep up, bursts leave late,
 * back to back; the generator never sends more than one burst at a time and reports the rate
 * it actually achieved and how late it got.
 *
 * -g SEGMENTS packs up to SEGMENTS consecutive datagrams into one send with UDP GSO
 * (UDP_SEGMENT): the kernel's per-send cost (syscall, route lookup, socket accounting) is paid
 * once per SEGMENTS datagrams instead of once per datagram. The segments are cut before the
 * device when the sending interface has tx-udp-segmentation off, so the receiver (and tcpdump)
 * still sees ordinary, individual datagrams. Needed where the generator's own core, not the
 * receiver, would otherwise limit the offered rate.
 *
 * Build: gcc -O2 -Wall -o vxlan-gen vxlan-gen.c
 * Usage: vxlan-gen -d ADDR [-p PORT] -r PPS -t SECONDS [-s SIZE] [-v VNI[,VNI...]]
 *                  [-b BATCH] [-g SEGMENTS] [-P SRCPORT]
 * Prints one JSON line with what was actually sent.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH 1024
#define MAX_SEGMENTS 64 /* UDP_MAX_SEGMENTS of older kernels */
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#define MAX_VNIS 64
#define VXLAN_HEADER 8
#define ETH_HEADER 14
#define IP_HEADER 20
#define UDP_HEADER 8
#define SEQ_OFFSET (ETH_HEADER + IP_HEADER + UDP_HEADER + 4) /* after the "CTBN" magic */
#define MIN_INNER (SEQ_OFFSET + 8)
#define MAX_INNER 8950 /* fits a 9000-byte MTU with outer IPv4/UDP/VXLAN headers */
/*
 * Wake up this long before a burst is due and spin for the rest. Kept short: on a VM whose vCPUs
 * share a physical core, every microsecond spun here is taken from the receiver.
 */
#define SPIN_NS 5000

struct options {
  const char *address;
  int port;
  double rate;
  double seconds;
  int size;
  uint32_t vnis[MAX_VNIS];
  int vni_count;
  int batch;
  int segments;
  int source_port;
};

static void usage(void) {
  fprintf(stderr,
          "usage: vxlan-gen -d ADDR [-p PORT] -r PPS -t SECONDS [-s SIZE] [-v VNI[,VNI...]] [-b BATCH] "
          "[-g SEGMENTS] [-P SRCPORT]\n"
          "  SIZE: inner Ethernet frame bytes (%d..%d, default 64); BATCH: datagrams per paced burst "
          "(default 32);\n  SEGMENTS: datagrams per UDP GSO send (1..%d, default 1 = no GSO)\n",
          MIN_INNER, MAX_INNER, MAX_SEGMENTS);
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

/* Sleeps until shortly before the deadline, then spins: a sleep alone wakes up a little late. */
static void wait_until_ns(int64_t deadline) {
  if (deadline - now_ns() > SPIN_NS) sleep_until_ns(deadline - SPIN_NS);
  while (now_ns() < deadline) {
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
  struct options o = {.port = 4789, .size = 64, .vnis = {100}, .vni_count = 1, .batch = 32, .segments = 1, .source_port = 0};
  o.rate = -1;
  o.seconds = -1;
  int c;
  while ((c = getopt(argc, argv, "d:p:r:t:s:v:b:g:P:")) != -1) {
    switch (c) {
      case 'd': o.address = optarg; break;
      case 'p': o.port = atoi(optarg); break;
      case 'r': o.rate = atof(optarg); break;
      case 't': o.seconds = atof(optarg); break;
      case 's': o.size = atoi(optarg); break;
      case 'v': parse_vnis(&o, optarg); break;
      case 'b': o.batch = atoi(optarg); break;
      case 'g': o.segments = atoi(optarg); break;
      case 'P': o.source_port = atoi(optarg); break;
      default: usage();
    }
  }
  if (!o.address || o.rate <= 0 || o.seconds <= 0 || o.size < MIN_INNER || o.size > MAX_INNER || o.batch < 1 ||
      o.batch > MAX_BATCH || o.segments < 1 ||
      o.segments > MAX_SEGMENTS || (o.segments > 1 && (VXLAN_HEADER + o.size) * o.segments > 65000) || o.port < 1 || o.port > 65535)
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
  if (o->segments > 1) {
    int gso_size = VXLAN_HEADER + o->size;
    if (setsockopt(fd, SOL_UDP, UDP_SEGMENT, &gso_size, sizeof gso_size) < 0) { perror("UDP_SEGMENT"); exit(1); }
  }
  if (o->source_port) {
    struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons(o->source_port)};
    if (bind(fd, (struct sockaddr *)&local, sizeof local) < 0) { perror("bind"); exit(1); }
  }
  /* Deliberately not connect()ed: an ICMP port unreachable (nobody listening while only
   * tcpdump captures) would otherwise fail later sends with ECONNREFUSED. */
  return fd;
}

/* Slot i carries sequence number first_seq + i; it is rebuilt only when its VNI changes. */
static void fill_burst(const struct options *o, uint8_t *slots, int *slot_vni, int length, uint64_t first_seq) {
  for (int i = 0; i < o->batch; i++) {
    uint64_t seq = first_seq + (uint64_t)i;
    int vni_index = (int)(seq % (uint64_t)o->vni_count);
    uint8_t *d = slots + (size_t)i * length;
    if (slot_vni[i] != vni_index) {
      build_datagram(d, o->size, o->vnis[vni_index]);
      slot_vni[i] = vni_index;
    }
    put_sequence(d, seq);
  }
}

/*
 * Sends `count` consecutive datagram slots with one sendmmsg: each message carries up to
 * `segments` of them (one UDP GSO send when segments > 1). Returns the datagrams the kernel
 * took (whole messages only), or -1 with errno set.
 */
static int send_burst(int fd, struct sockaddr_in *to, uint8_t *slots, int length, int count, int segments) {
  static struct mmsghdr messages[MAX_BATCH];
  static struct iovec iovecs[MAX_BATCH];
  int message_count = 0;
  for (int first = 0; first < count; first += segments, message_count++) {
    int in_message = count - first < segments ? count - first : segments;
    iovecs[message_count] = (struct iovec){.iov_base = slots + (size_t)first * length, .iov_len = (size_t)in_message * length};
    messages[message_count].msg_hdr =
        (struct msghdr){.msg_name = to, .msg_namelen = sizeof *to, .msg_iov = &iovecs[message_count], .msg_iovlen = 1};
  }
  int n = sendmmsg(fd, messages, (unsigned)message_count, 0);
  if (n <= 0) return n;
  int datagrams = 0;
  for (int m = 0; m < n; m++) datagrams += (int)(iovecs[m].iov_len / (size_t)length);
  return datagrams;
}

int main(int argc, char **argv) {
  struct options o = parse_options(argc, argv);
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(o.port)};
  if (inet_pton(AF_INET, o.address, &to.sin_addr) != 1) usage();
  int fd = open_socket(&o);

  /* Datagram slots lie back to back, so SEGMENTS neighbours form one GSO send. */
  const int length = VXLAN_HEADER + o.size;
  uint8_t *slots = malloc((size_t)MAX_BATCH * length);
  if (!slots) { perror("malloc"); return 1; }
  int slot_vni[MAX_BATCH];
  for (int i = 0; i < MAX_BATCH; i++) slot_vni[i] = -1; /* not built yet */

  /* The default 50 us timer slack would make every sleep up to 50 us late. */
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  const double ns_per_packet = 1e9 / o.rate;
  const int64_t start = now_ns();
  const int64_t end = start + (int64_t)(o.seconds * 1e9);
  uint64_t sent = 0, calls = 0, errors = 0, late = 0;
  int64_t max_late_ns = 0;

  for (;;) {
    /* The next burst goes out when its last datagram is due. */
    int64_t due_at = start + (int64_t)((double)(sent + o.batch - 1) * ns_per_packet);
    if (due_at >= end || now_ns() >= end) break; /* a late generator stops on time too */
    wait_until_ns(due_at);
    int64_t lateness = now_ns() - due_at;
    if (lateness > max_late_ns) max_late_ns = lateness;
    if (lateness > (int64_t)(o.batch * ns_per_packet)) late++; /* already past the next burst */
    fill_burst(&o, slots, slot_vni, length, sent);
    int n = send_burst(fd, &to, slots, length, o.batch, o.segments);
    calls++;
    if (n < 0) {
      if (errno != EINTR) errors++;
      if (errno == ENOBUFS || errno == EAGAIN) usleep(10);
      continue;
    }
    sent += (uint64_t)n;
  }
  double elapsed = (double)(now_ns() - start) / 1e9;
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  double cpu = (double)usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + (double)usage.ru_stime.tv_sec +
               usage.ru_stime.tv_usec / 1e6;
  double pps = (double)sent / elapsed;
  printf("{\"requestedPps\":%.0f,\"seconds\":%.6f,\"sent\":%llu,\"pps\":%.1f,\"innerBytes\":%d,"
         "\"innerGbps\":%.4f,\"udpPayloadBytes\":%d,\"sendCalls\":%llu,\"lateBursts\":%llu,\"maxLateUs\":%.1f,"
         "\"sendErrors\":%llu,\"cpuSeconds\":%.3f,\"vnis\":%d,\"batch\":%d,\"segments\":%d}\n",
         o.rate, elapsed, (unsigned long long)sent, pps, o.size, pps * o.size * 8 / 1e9, length,
         (unsigned long long)calls, (unsigned long long)late, max_late_ns / 1e3, (unsigned long long)errors, cpu, o.vni_count,
         o.batch, o.segments);
  return 0;
}
